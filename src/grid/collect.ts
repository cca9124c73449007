/**
 * Collects a grid: per trainable method, cell and scale, the learning rate whose run has the best validation ROI
 * PSNR (its selected checkpoint's), evaluated on the grid's evaluation split; the evaluation-only methods
 * (bicubic) evaluated on the same images; then the report (Tables 4/5 with intervals and paired tests, Fig. 6,
 * Fig. 7 crops of each cell and scale's first patch) and the tables as CSV. Evaluations already made for the same
 * selection and image count are reused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readSplitPairs } from '../io/split-pairs.js';
import { readTiff } from '../io/tiff.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import { evaluateSplit } from '../metrics/evaluate-split.js';
import { buildResultTable, tableToCsv } from '../metrics/result-table.js';
import { readEvaluatedRows, rowFileStem, writeRowFiles } from '../metrics/row-files.js';
import { modelDisplayName } from '../models/registry.js';
import { buildReport, type ReportNote } from '../report/build-report.js';
import type { CropSet } from '../report/crops.js';
import { evaluateRun } from '../train/run-eval.js';
import type { GridSpec } from './grid-file.js';
import { gridFolders, type GridRun } from './plan.js';
import { gridStatus, type RunStatus } from './status.js';

/** The run chosen for one method, cell and scale, and the candidates it was chosen among. */
export interface GridSelection {
  readonly method: string;
  readonly cell: string;
  readonly scale: number;
  readonly lr: number;
  readonly runDir: string;
  readonly bestValRoiPsnr: number | null;
  readonly candidates: readonly { lr: number; state: string; bestValRoiPsnr: number | null }[];
}

export interface CollectResult {
  readonly selections: GridSelection[];
  /** Method, cell and scale with no finished run, in words. */
  readonly missing: string[];
  readonly rows: ResultRow[];
  readonly reportIndex: string;
}

export interface CollectHooks {
  onStep?(message: string): void;
}

/** The best finished run among the candidates of one method, cell and scale (ties: the first learning rate). */
function select(statuses: readonly RunStatus[]): RunStatus | undefined {
  const score = (s: RunStatus) => s.bestRoiPsnr ?? -Infinity;
  return statuses.filter((s) => s.state === 'done').reduce<RunStatus | undefined>((best, s) => (!best || score(s) > score(best) ? s : best), undefined);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  return JSON.parse(await readFile(path, 'utf8').catch(() => 'null')) ?? undefined;
}

/** Selects, evaluates and reports a grid (see the file's comment). */
export async function collectGrid(spec: GridSpec, runs: readonly GridRun[], hooks: CollectHooks = {}): Promise<CollectResult> {
  const folders = gridFolders(spec);
  const { split, limit, threads } = spec.evaluation;
  const statuses = await gridStatus(runs);
  const selections: GridSelection[] = [];
  const missing: string[] = [];
  const rows: ResultRow[] = [];
  const images = new Map<ResultRow, readonly ImageMetrics[]>();
  const selectionPath = join(spec.out, 'selection.json');
  const before = (await readJson<{ limit?: number; split: string; selections: GridSelection[] }>(selectionPath)) ?? { split, selections: [] };
  const add = (row: ResultRow, lines: readonly ImageMetrics[]) => {
    rows.push(row);
    images.set(row, lines);
  };
  /** A row already evaluated for the same run (or method), split and image count. */
  const reuse = async (row: Pick<ResultRow, 'method' | 'cell' | 'scale' | 'split'>, same: boolean) => {
    if (!same || before.limit !== limit || before.split !== split) return false;
    // A missing or damaged earlier evaluation is made again.
    const [earlier] = await readEvaluatedRows([`${rowFileStem(folders.results, row)}.json`]).catch(() => []);
    if (!earlier?.images) return false;
    add(earlier.row, earlier.images);
    return true;
  };
  for (const m of spec.methods) {
    for (const cell of spec.cells) {
      for (const scale of spec.scales) {
        const label = `${m.method} ${cell} x${scale}`;
        const rowKey = { method: modelDisplayName(m.method), cell, scale, split };
        if (!m.trainable) {
          if (await reuse(rowKey, true)) continue;
          hooks.onStep?.(`evaluate ${label} on ${split}`);
          const { images: lines, row } = await evaluateSplit({ dataRoot: spec.dataRoot, split, cell, scale, source: { kind: 'bicubic' }, limit });
          await writeRowFiles(folders.results, lines, row);
          add(row, lines);
          continue;
        }
        const candidates = statuses.filter((s) => s.run.method === m.method && s.run.cell === cell && s.run.scale === scale);
        const chosen = select(candidates);
        if (!chosen) {
          missing.push(`${label}: no finished run (${candidates.map((c) => `lr ${c.run.lr} ${c.state}`).join(', ')})`);
          continue;
        }
        const selection: GridSelection = {
          method: m.method,
          cell,
          scale,
          lr: chosen.run.lr,
          runDir: chosen.run.runDir,
          bestValRoiPsnr: chosen.bestRoiPsnr ?? null,
          candidates: candidates.map((c) => ({ lr: c.run.lr, state: c.state, bestValRoiPsnr: c.bestRoiPsnr ?? null })),
        };
        selections.push(selection);
        const previous = before.selections.find((s) => s.method === m.method && s.cell === cell && s.scale === scale);
        if (await reuse(rowKey, previous?.runDir === chosen.run.runDir)) continue;
        hooks.onStep?.(`evaluate ${label} (lr ${chosen.run.lr}) on ${split}`);
        const predDir = join(folders.pred, `${m.method}_${cell}_x${scale}`);
        const { images: lines, row } = await evaluateRun(chosen.run.runDir, { split, limit, threads, predDir });
        await writeRowFiles(folders.results, lines, row);
        add(row, lines);
      }
    }
  }
  await writeFileAtomic(selectionPath, `${JSON.stringify({ grid: spec.path, split, limit, selections, missing }, null, 2)}\n`);
  if (rows.length === 0) throw new SrcacoError('data', `nothing to report: no method of the grid has a finished run (${missing.join('; ')})`, { path: spec.path });
  hooks.onStep?.('report');
  const crops = await firstPatchCrops(spec, selections);
  const notes: ReportNote[] = [
    `Grid ${spec.name} (${spec.path}): ${split} split${limit ? `, first ${limit} patches of each cell and scale` : ''}; seed ${spec.seed}, device ${spec.device}.`,
    { title: 'Model selection: per method, cell and scale, the learning rate with the best validation ROI PSNR', data: selections },
    ...(missing.length ? [{ title: 'Not in the tables: no finished run', data: missing }] : []),
    ...spec.notes,
  ];
  const built = await buildReport({ rows, images, crops, title: `srcaco grid ${spec.name}: ${split} split`, notes, outDir: folders.report });
  for (const part of ['roi', 'full'] as const) await writeFileAtomic(join(folders.report, `table-${part}.csv`), tableToCsv(buildResultTable(rows, part)));
  return { selections, missing, rows, reportIndex: built.indexPath };
}

/** Fig. 7: each cell and scale's first evaluated patch, with every selected method's saved prediction. */
async function firstPatchCrops(spec: GridSpec, selections: readonly GridSelection[]): Promise<CropSet[]> {
  const sets: CropSet[] = [];
  for (const cell of spec.cells) {
    for (const scale of spec.scales) {
      const [first] = await readSplitPairs(spec.dataRoot, spec.evaluation.split, cell, scale, 1);
      if (!first) continue;
      const predictions = [];
      for (const s of selections.filter((x) => x.cell === cell && x.scale === scale)) {
        const path = join(gridFolders(spec).pred, `${s.method}_${cell}_x${scale}`, first.id);
        const planes = await readTiff(path).catch(() => undefined);
        if (planes) predictions.push({ method: modelDisplayName(s.method), image: planes[0]! });
      }
      const [[lr], [hr]] = await Promise.all([readTiff(first.lrPath), readTiff(first.hrPath)]);
      // A 256² window where the cells are (the report places it), or the whole patch when smaller.
      const side = Math.floor(Math.min(256, hr!.width, hr!.height) / scale) * scale;
      sets.push({ cell, scale, patchId: first.id, lr: lr!, hr: hr!, predictions, windowHr: { width: side, height: side } });
    }
  }
  return sets;
}
