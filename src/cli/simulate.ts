import { access, constants, mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import { folderLockPath } from '../io/folder-lock.js';
import { SIMULATE_STATE_DIR, simulateDataset } from '../sim/dataset.js';
import { defaultSimParams } from '../sim/params.js';
import { outOption, parseChoice, parseInteger, seedOption, workersOption } from './options.js';
import { progressBar } from './progress.js';

/** Option values as commander hands them over: the shared flags parsed, this command's own still text. */
interface RawOptions {
  out: string;
  tiles?: string;
  ids?: string;
  size?: string;
  seed?: number;
  duplicate?: string;
  preset?: string;
  force?: boolean;
  workers?: number;
  compression?: string;
  nuclei?: string;
}

/** Validated options of `srcaco simulate`. */
export interface SimulateOptions {
  outDir: string;
  ids: number[];
  sizeHrPx: number;
  seed: number;
  duplicates: Map<number, number>;
  force: boolean;
  workers?: number;
  compression: 'none' | 'deflate';
  nuclei?: 'list' | 'labels';
}

/** `--preset demo`: ids covering train (1, 2, 3), validation (7) and test (9) under the default split. */
const PRESETS: Record<string, { ids: number[]; sizeHrPx: number }> = { demo: { ids: [1, 2, 3, 7, 9], sizeHrPx: 2048 } };
const FULL_SIZE_PX = 9318;
const COMPRESSIONS = ['none', 'deflate'] as const;
const MIN_SIZE_PX = 80;

/** Checks and resolves the command's options (presets, defaults, duplicates). */
export function parseSimulateOptions(raw: RawOptions): SimulateOptions {
  const preset = raw.preset === undefined ? undefined : PRESETS[parseChoice(raw.preset, Object.keys(PRESETS), '--preset')];
  const sizeHrPx = raw.size !== undefined
    ? parseInteger(raw.size, '--size', { min: MIN_SIZE_PX, max: 65536, what: `the HR tile side in pixels (at least ${MIN_SIZE_PX}, so each of the 10x10 fields has a pixel at /8)` })
    : preset?.sizeHrPx ?? FULL_SIZE_PX;
  if (raw.ids !== undefined && raw.tiles !== undefined) {
    throw new SrcacoError('usage', 'give either --tiles N (ids 1..N) or --ids, not both', { option: '--ids' });
  }
  let ids: number[];
  if (raw.ids !== undefined) {
    ids = raw.ids.split(',').map((s) => parseInteger(s.trim(), '--ids', { min: 1, max: 1_000_000, what: 'a comma-separated list of tile ids' }));
    if (new Set(ids).size !== ids.length) throw new SrcacoError('usage', `--ids lists a tile twice: '${raw.ids}'`, { option: '--ids' });
  } else if (raw.tiles !== undefined) {
    const n = parseInteger(raw.tiles, '--tiles', { min: 1, max: 10_000, what: 'the number of tiles' });
    ids = Array.from({ length: n }, (_, i) => i + 1);
  } else {
    ids = preset?.ids ?? Array.from({ length: 22 }, (_, i) => i + 1);
  }
  const duplicates = new Map<number, number>();
  for (const pair of raw.duplicate?.split(',') ?? []) {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(pair);
    if (!m) throw new SrcacoError('usage', `--duplicate takes SOURCE:TARGET pairs such as 13:20, received '${pair}'`, { option: '--duplicate' });
    const [source, target] = [Number(m[1]), Number(m[2])];
    if (!ids.includes(target)) {
      throw new SrcacoError('usage', `--duplicate ${pair}: target tile ${target} is not among the tiles to write (${ids.join(',')})`, { option: '--duplicate' });
    }
    if (source === target || source < 1) throw new SrcacoError('usage', `--duplicate ${pair}: source and target must be different tile ids >= 1`, { option: '--duplicate' });
    if (duplicates.has(target)) throw new SrcacoError('usage', `--duplicate: tile ${target} is a target twice`, { option: '--duplicate' });
    duplicates.set(target, source);
  }
  for (const [target, source] of duplicates) {
    if (duplicates.has(source)) {
      throw new SrcacoError('usage', `--duplicate: tile ${source} is both a copy (of ${duplicates.get(source)}) and the source of ${target}; copy from the original instead`, { option: '--duplicate' });
    }
  }
  const compression = parseChoice(raw.compression ?? 'none', COMPRESSIONS, '--compression');
  const nuclei = raw.nuclei === undefined ? undefined : parseChoice(raw.nuclei, ['list', 'labels'] as const, '--nuclei');
  return { outDir: raw.out, ids, sizeHrPx, seed: raw.seed ?? 0, duplicates, force: raw.force === true, workers: raw.workers, compression, ...(nuclei ? { nuclei } : {}) };
}

/**
 * Whether `outDir` holds a finished simulation with these options (its truth.json says so): the same command run
 * again (not knowing it had finished) then simulates it again, to the same bytes, instead of being refused.
 */
async function finishedWith(outDir: string, o: SimulateOptions): Promise<boolean> {
  try {
    const t = JSON.parse(await readFile(join(outDir, 'truth.json'), 'utf8')) as Record<string, unknown>;
    const mine = { seed: o.seed, sizeHrPx: o.sizeHrPx, ids: o.ids, duplicates: [...o.duplicates].map(([target, source]) => ({ source, target })), params: defaultSimParams() };
    return JSON.stringify({ seed: t.seed, sizeHrPx: t.sizeHrPx, ids: t.ids, duplicates: t.duplicates, params: t.params }) === JSON.stringify(mine);
  } catch {
    return false;
  }
}

/**
 * Refuses a non-empty output folder unless `force`, an earlier simulate run's (which then continues, if its
 * options match) or a finished one with the same options; checks that it can be written.
 */
export async function prepareOutputDir(outDir: string, options: SimulateOptions): Promise<void> {
  // A lock alone is what a run killed before claiming the folder leaves (a live one is refused by the lock itself).
  const entries = (await readdir(outDir).catch(() => null))?.filter((e) => e !== basename(folderLockPath(outDir)));
  if (entries && entries.length > 0 && !options.force && !entries.includes(SIMULATE_STATE_DIR) && !(await finishedWith(outDir, options))) {
    throw new SrcacoError('output', 'the output folder is not empty; choose another --out or pass --force to overwrite', { path: outDir, option: '--out' });
  }
  try {
    await mkdir(outDir, { recursive: true });
    await access(outDir, constants.W_OK);
  } catch (e) {
    throw new SrcacoError('output', `cannot write to the output folder (${(e as Error).message})`, { path: outDir, option: '--out', cause: e });
  }
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate SR-CACO-2-like tiles (HR + LR x2/x4/x8, 3 markers) with a physical acquisition model; writes truth.json')
    .addOption(outOption('output folder (HighRes1024/, LowRes512/, LowRes256/, LowRes128/, truth.json)').makeOptionMandatory())
    .option('--tiles <n>', 'number of tiles, ids 1..n (default 22, or the preset\'s)')
    .option('--ids <list>', 'comma-separated tile ids instead of --tiles, e.g. 1,2,7,9')
    .option('--size <px>', `HR tile side in pixels; LR sides are size/2, /4, /8 floored (default ${FULL_SIZE_PX})`)
    .addOption(seedOption('random seed; tiles are independent of each other for a given seed').default(0))
    .option('--duplicate <pairs>', 'SOURCE:TARGET,...: write tile TARGET as a pixel copy of SOURCE (leakage-audit fixtures)')
    .option('--preset <name>', 'demo: tiles 1,2,3,7,9 of 2048 px (train, validation and test under the default split)')
    .addOption(workersOption('worker threads simulating bands'))
    .option('--compression <kind>', 'none or deflate', 'none')
    .option('--nuclei <what>', 'nucleus truth: list (nuclei.json) or labels (also NucleiHR/ uint16 label images)')
    .option('--force', 'write into a non-empty output folder, overwriting tiles')
    .action(async (raw: RawOptions) => {
      const options = parseSimulateOptions(raw);
      await prepareOutputDir(options.outDir, options);
      const hiddenSources = new Set([...options.duplicates.values()].filter((s) => !options.ids.includes(s)));
      const simulatedTiles = options.ids.filter((id) => !options.duplicates.has(id)).length + hiddenSources.size;
      const bar = progressBar('simulate', simulatedTiles * 100, 'fields');
      try {
        const result = await simulateDataset({ ...options, onFields: (n) => bar.tick(n) });
        process.stdout.write(`wrote ${result.files.length} tile files and ${result.truthPath}\n`);
      } finally {
        bar.stop();
      }
    });
}
