/**
 * A benchmark grid as a YAML file (in the spirit of BasicSR's option files): methods (with presets, learning rates
 * and training options), cells, scales, the evaluation, a seed and a device. Paths in it are relative to the file.
 * Every bad value is one SrcacoError naming the file and the key.
 *
 *   name: demo
 *   data: data                       # the prep output (data root)
 *   out: grid                        # runs/, results/, report/ go here
 *   seed: 0
 *   device: cpu
 *   cells: [CELL2, CELL0]
 *   scales: [2, 4]
 *   train: { optimizer: adam, batch: 8 }         # srcaco train options shared by every run (flag names)
 *   evaluation: { split: test, limit: 8 }
 *   methods:
 *     vdsr:
 *       lr: [1e-4, 3e-4]                          # tried at every cell and scale; or per pair: { CELL2x2: [1e-4] }
 *       train: { steps: 60, minutes: 2.5, h-size: 32, zero-last-layer: true }
 *     bicubic: {}                                 # no parameters: evaluated only
 *   slurm: { partition: gpu, time: "02:00:00" }   # sbatch resources of every run; a method's `slurm` overrides
 *   notes: ["what the report should say about these settings"]   # strings or { title, text?, data? }
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { SrcacoError } from '../errors.js';
import { CELLS, SPLITS, SR_SCALES, type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { modelDef } from '../models/registry.js';
import type { ReportNote } from '../report/build-report.js';
import type { SlurmResources } from './slurm.js';

/** A `srcaco train` option value: `--key value`, or a bare `--key` for true. */
export type TrainOptionValue = string | number | boolean;

export interface GridMethod {
  readonly method: string;
  /** Learning rates to try, per `CELLkxS` pair (the same list for every pair when the file gives one list). */
  readonly lrs: Readonly<Record<string, readonly number[]>>;
  /** Train options of this method, over the grid's shared ones. */
  readonly train: Readonly<Record<string, TrainOptionValue>>;
  /** False for methods with nothing to train (bicubic): evaluated only. */
  readonly trainable: boolean;
  /** sbatch resources of this method's runs (the grid's, overridden by the method's own). */
  readonly slurm: Readonly<SlurmResources>;
}

export interface GridSpec {
  readonly path: string;
  readonly name: string;
  readonly dataRoot: string;
  readonly out: string;
  readonly seed: number;
  readonly device: string;
  readonly cells: readonly Cell[];
  readonly scales: readonly SrScale[];
  readonly methods: readonly GridMethod[];
  readonly evaluation: { readonly split: SplitName; readonly limit?: number; readonly threads?: number };
  /** Paragraphs for the report's notes (what the settings are and why). */
  readonly notes: readonly ReportNote[];
}

/** Options the grid sets itself for every run; a grid file may not give them as train options. */
const SET_BY_GRID = ['method', 'cell', 'scale', 'data', 'out', 'name', 'lr', 'seed', 'device', 'force', 'resume'];

export const pairKey = (cell: string, scale: number) => `${cell}x${scale}`;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a grid file (see the file's comment). */
export async function readGridFile(path: string): Promise<GridSpec> {
  const text = await readFile(path, 'utf8').catch((e) => {
    throw new SrcacoError('input', `cannot read the grid file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { path, cause: e });
  });
  // YAML's warnings (an unknown tag, a collection as a key) are errors in a grid file, and never printed as
  // process warnings.
  const parsed = parseDocument(text, { logLevel: 'silent' });
  const problem = parsed.errors[0] ?? parsed.warnings[0];
  if (problem) throw new SrcacoError('input', `not valid YAML: ${problem.message.split('\n')[0]}`, { path, cause: problem });
  const doc: unknown = parsed.toJS({ maxAliasCount: 100 });
  return parseGrid(doc, path);
}

/** Checks a parsed grid document; `path` names the file in errors and anchors its relative paths. */
export function parseGrid(doc: unknown, path: string): GridSpec {
  const bad = (key: string, what: string): never => {
    throw new SrcacoError('input', `${key}: ${what}`, { path });
  };
  if (!isObj(doc)) bad('(top)', 'a grid file is a YAML mapping (name, data, out, cells, scales, methods, ...)');
  const d = doc as Obj;
  const known = ['name', 'data', 'out', 'seed', 'device', 'cells', 'scales', 'train', 'evaluation', 'methods', 'slurm', 'notes'];
  for (const k of Object.keys(d)) if (!known.includes(k)) bad(k, `unknown key; known: ${known.join(', ')}`);
  const str = (key: string, v: unknown, fallback?: string): string =>
    v === undefined && fallback !== undefined ? fallback : typeof v === 'string' && v.trim() !== '' ? v : bad(key, `must be a non-empty string, received ${JSON.stringify(v)}`);
  const int = (key: string, v: unknown, min: number): number => (Number.isInteger(v) && (v as number) >= min ? (v as number) : bad(key, `must be an integer ≥ ${min}, received ${JSON.stringify(v)}`));
  const list = <T>(key: string, v: unknown, allowed: readonly T[]): T[] => {
    if (!Array.isArray(v) || v.length === 0) return bad(key, `must be a non-empty list of ${allowed.join(', ')}`);
    for (const x of v) if (!allowed.includes(x as T)) bad(key, `must hold only ${allowed.join(', ')}, received ${JSON.stringify(x)}`);
    if (new Set(v).size !== v.length) bad(key, 'lists a value twice');
    return v as T[];
  };
  const trainOptions = (key: string, v: unknown): Record<string, TrainOptionValue> => {
    if (v === undefined) return {};
    if (!isObj(v)) return bad(key, 'must be a mapping of srcaco train options (e.g. { steps: 60, h-size: 32 })');
    for (const [k, x] of Object.entries(v)) {
      if (SET_BY_GRID.includes(k)) bad(`${key}.${k}`, `is set by the grid for each run; give it as ${k === 'lr' ? 'the method\'s lr' : `the grid's ${k === 'data' ? 'data' : k}`}`);
      if (!['string', 'number', 'boolean'].includes(typeof x)) bad(`${key}.${k}`, `must be a string, number or boolean, received ${JSON.stringify(x)}`);
    }
    return v as Record<string, TrainOptionValue>;
  };
  const slurmResources = (key: string, v: unknown): SlurmResources => {
    if (v === undefined) return {};
    if (!isObj(v)) return bad(key, 'must be a mapping of sbatch resources (partition, gres, time, cpus-per-task, mem, account, qos, max-parallel)');
    const out: SlurmResources = {};
    for (const [k, x] of Object.entries(v)) {
      const at = `${key}.${k}`;
      if (k === 'cpus-per-task') out.cpusPerTask = int(at, x, 1);
      else if (k === 'max-parallel') out.maxParallel = int(at, x, 1);
      else if (k === 'partition' || k === 'gres' || k === 'time' || k === 'mem' || k === 'account' || k === 'qos') out[k] = typeof x === 'number' ? String(x) : str(at, x);
      else bad(at, 'unknown key; known: partition, gres, time, cpus-per-task, mem, account, qos, max-parallel');
    }
    return out;
  };
  const gridSlurm = slurmResources('slurm', d.slurm);
  const base = dirname(resolve(path));
  const cells = list<Cell>('cells', d.cells, CELLS);
  const scales = list<SrScale>('scales', d.scales, SR_SCALES);
  const shared = trainOptions('train', d.train);
  if (!isObj(d.methods) || Object.keys(d.methods).length === 0) bad('methods', 'must map method names to their settings, e.g. { vdsr: { lr: [1e-4] } }');
  const methods = Object.entries(d.methods as Obj).map(([name, raw]): GridMethod => {
    const key = `methods.${name}`;
    let def;
    try {
      def = modelDef(name);
    } catch (e) {
      return bad(key, (e as Error).message);
    }
    const m = raw ?? {};
    if (!isObj(m)) return bad(key, 'must be a mapping (lr, train)');
    for (const k of Object.keys(m)) if (!['lr', 'train', 'slurm'].includes(k)) bad(`${key}.${k}`, 'unknown key; known: lr, train, slurm');
    const trainable = def.name !== 'bicubic';
    const rates = (k: string, v: unknown): number[] => {
      const values = typeof v === 'number' ? [v] : v;
      if (!Array.isArray(values) || values.length === 0 || !values.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x))) {
        return bad(k, `must be a positive number or a non-empty list of them, received ${JSON.stringify(v)}`);
      }
      return values as number[];
    };
    const lrs: Record<string, number[]> = {};
    if (trainable) {
      if (m.lr === undefined) bad(`${key}.lr`, 'is missing: the learning rates to try');
      const perPair = isObj(m.lr);
      for (const cell of cells) {
        for (const scale of scales) {
          const k = pairKey(cell, scale);
          if (perPair && !((m.lr as Obj)[k] !== undefined)) bad(`${key}.lr`, `has no entry for ${k} (per-pair rates need every cell and scale of the grid)`);
          lrs[k] = rates(perPair ? `${key}.lr.${k}` : `${key}.lr`, perPair ? (m.lr as Obj)[k] : m.lr);
        }
      }
    } else if (m.lr !== undefined || m.train !== undefined) bad(key, `${def.name} has nothing to train: give it no lr or train options`);
    return { method: def.name, lrs, train: { ...shared, ...trainOptions(`${key}.train`, m.train) }, trainable, slurm: { ...gridSlurm, ...slurmResources(`${key}.slurm`, m.slurm) } };
  });
  const ev = d.evaluation ?? {};
  if (!isObj(ev)) bad('evaluation', 'must be a mapping (split, limit, threads)');
  const e = ev as Obj;
  for (const k of Object.keys(e)) if (!['split', 'limit', 'threads'].includes(k)) bad(`evaluation.${k}`, 'unknown key; known: split, limit, threads');
  const split = (e.split ?? 'test') as SplitName;
  if (!SPLITS.includes(split)) bad('evaluation.split', `must be one of ${SPLITS.join(', ')}, received ${JSON.stringify(e.split)}`);
  const notes = d.notes ?? [];
  const isNote = (n: unknown) => typeof n === 'string' || (isObj(n) && typeof n.title === 'string' && (n.text === undefined || typeof n.text === 'string'));
  if (!Array.isArray(notes) || !notes.every(isNote)) bad('notes', 'must be a list of strings or { title, text?, data? }');
  return {
    path: resolve(path),
    notes: notes as ReportNote[],
    name: str('name', d.name, 'grid'),
    dataRoot: resolve(base, str('data', d.data)),
    out: resolve(base, str('out', d.out)),
    seed: d.seed === undefined ? 0 : int('seed', d.seed, 0),
    device: str('device', d.device, 'cpu'),
    cells,
    scales,
    methods,
    evaluation: { split, limit: e.limit === undefined ? undefined : int('evaluation.limit', e.limit, 1), threads: e.threads === undefined ? undefined : int('evaluation.threads', e.threads, 1) },
  };
}
