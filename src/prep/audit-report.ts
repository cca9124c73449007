import { SPLITS, type SplitName } from '../io/layout.js';
import { splitOfTile, type TileSplit } from '../io/tile-split.js';

/** One thing wrong with a dataset. */
export interface AuditProblem {
  kind:
    | 'missing-file'
    | 'unreadable'
    | 'bit-depth'
    | 'size-mismatch'
    | 'planes'
    | 'duplicate-patch'
    | 'empty-roi'
    | 'split';
  message: string;
  path?: string;
}

/** A duplicate tile pair whose tiles sit in different splits. */
export interface AuditLeak {
  tiles: [number, number];
  splits: [SplitName, SplitName];
}

/** The result of `srcaco audit` (the `--json` output). */
export interface AuditReport {
  kind: 'tiles' | 'patches';
  /** Duplicate or near-duplicate tile pairs, smaller id first, sorted. */
  duplicates: Array<[number, number]>;
  leaks: AuditLeak[];
  problems: AuditProblem[];
}

/** Pairs ordered (a < b) and sorted. */
export function sortPairs(pairs: Iterable<[number, number]>): Array<[number, number]> {
  const unique = new Map<string, [number, number]>();
  for (const [a, b] of pairs) {
    const p: [number, number] = a < b ? [a, b] : [b, a];
    unique.set(p.join(','), p);
  }
  return [...unique.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** Duplicate pairs that span two splits, each written in split order (train, val, test). */
export function findLeaks(duplicates: ReadonlyArray<[number, number]>, split: TileSplit): AuditLeak[] {
  const leaks: AuditLeak[] = [];
  for (const [a, b] of duplicates) {
    const sa = splitOfTile(split, a);
    const sb = splitOfTile(split, b);
    if (!sa || !sb || sa === sb) continue;
    const first = SPLITS.indexOf(sa) <= SPLITS.indexOf(sb);
    leaks.push(first ? { tiles: [a, b], splits: [sa, sb] } : { tiles: [b, a], splits: [sb, sa] });
  }
  return leaks;
}

/** Human-readable report. */
export function formatAuditReport(r: AuditReport): string {
  const lines = [`audit of a ${r.kind} dataset`];
  lines.push(r.duplicates.length === 0 ? 'duplicate tiles: none' : `duplicate tiles: ${r.duplicates.map(([a, b]) => `${a}-${b}`).join(', ')}`);
  lines.push(r.leaks.length === 0 ? 'split leakage: none' : `split leakage: ${r.leaks.map((l) => `${l.tiles[0]}-${l.tiles[1]} (${l.splits[0]}/${l.splits[1]})`).join(', ')}`);
  const byKind = new Map<string, AuditProblem[]>();
  for (const p of r.problems) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
  if (byKind.size === 0) lines.push('problems: none');
  for (const [kind, list] of byKind) {
    lines.push(`${kind}: ${list.length}`);
    for (const p of list.slice(0, 10)) lines.push(`  ${p.path ? `${p.path}: ` : ''}${p.message}`);
    if (list.length > 10) lines.push(`  ... and ${list.length - 10} more (see --json)`);
  }
  return `${lines.join('\n')}\n`;
}
