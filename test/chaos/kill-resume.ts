// Kill and resume (issue 20): each command is SIGKILLed at seeded random points, its output folder is scanned at
// every kill point for a partial file under a final name, then the same command is run again to the end and its
// final outputs must equal, byte for byte, those of an uninterrupted run. `npm run chaos [-- --kills N --seed S
// --only NAME]` runs it long; kill-resume.test.ts runs one kill each inside npm test.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { Rng } from '../../src/util/random.js';
import { syntheticTile, writeTilesFolder } from '../prep/fixtures.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;

/** One command under test, set up in a fresh folder. */
export interface ChaosCase {
  name: string;
  /** Makes the inputs in `dir`; returns what to run and what to check. */
  setup(dir: string): Promise<ChaosJob>;
  /** Removes what setups share (inputs made once, so paths recorded in outputs are the same in every run). */
  teardown?(): Promise<void>;
}

export interface ChaosJob {
  /** The command line (srcaco's arguments) of the first run. */
  args: string[];
  /** The command line that continues it after a kill (default: `args` again). */
  rerun?: () => string[];
  /** The folder scanned for partial files and compared. */
  out: string;
  /** Files under `out` (relative) that must be byte-identical to an uninterrupted run's. */
  compare: RegExp;
}

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** Every file under `dir` (relative paths), temporaries and lock files included. */
async function walk(dir: string, root = dir): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, root)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

/**
 * The files under a final name in `dir` whose content is incomplete: a TIFF or safetensors that fails to read,
 * JSON that fails to parse, a JSON-lines file with a complete line that fails to parse. Temporaries
 * (`.name.<pid>.<hex>.tmp`) and dot-files are not final names.
 */
export async function partialFiles(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const rel of await walk(dir)) {
    const name = rel.split('/').at(-1)!;
    if (name.startsWith('.')) continue;
    const path = join(dir, rel);
    try {
      if (/\.tiff?$/.test(name)) await readTiff(path);
      else if (name.endsWith('.safetensors')) await readSafetensors(path);
      else if (name.endsWith('.json')) JSON.parse(await readFile(path, 'utf8'));
      else if (name.endsWith('.jsonl')) for (const line of (await readFile(path, 'utf8')).split('\n').slice(0, -1)) JSON.parse(line);
    } catch (e) {
      bad.push(`${rel}: ${(e as Error).message}`);
    }
  }
  return bad;
}

export interface ChaosResult {
  name: string;
  kills: number;
  /** Runs that ended by themselves before their kill time. */
  finishedFirst: number;
  /** Temporaries (`.name.<pid>.<hex>.tmp`) of killed writes still there after the final run (wasted space). */
  leftovers: string[];
  problems: string[];
}

/**
 * Runs `c` once uninterrupted, then `trials` times: the command killed `killsPerTrial` times at random points
 * (uniform over the uninterrupted run's wall time), scanned after each kill, then rerun to the end and compared.
 */
export async function killAndResume(c: ChaosCase, o: { trials: number; killsPerTrial: number; seed: number }): Promise<ChaosResult> {
  const rng = new Rng(o.seed);
  const result: ChaosResult = { name: c.name, kills: 0, finishedFirst: 0, leftovers: [], problems: [] };
  const base = await mkdtemp(join(tmpdir(), `srcaco-chaos-${c.name}-`));
  try {
    const refJob = await c.setup(join(base, 'ref'));
    const t0 = Date.now();
    const ref = run(refJob.args);
    const wallMs = Date.now() - t0;
    if (ref.status !== 0) throw new Error(`${c.name}: the uninterrupted run failed: ${ref.stderr}`);
    const refFiles = (await walk(refJob.out)).filter((f) => refJob.compare.test(f));
    if (refFiles.length === 0) throw new Error(`${c.name}: nothing to compare (${refJob.compare})`);
    for (let t = 0; t < o.trials; t++) {
      const job = await c.setup(join(base, `trial-${t}`));
      for (let k = 0; k < o.killsPerTrial; k++) {
        const args = k === 0 ? job.args : (job.rerun?.() ?? job.args);
        const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
        const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
        const delay = rng.uniform() * wallMs;
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        const signal = await exited;
        clearTimeout(timer);
        if (signal === 'SIGKILL') result.kills++;
        else result.finishedFirst++;
        for (const p of await partialFiles(job.out)) result.problems.push(`trial ${t}, kill ${k} at ${Math.round(delay)} ms: partial file ${p}`);
      }
      const again = run(job.rerun?.() ?? job.args);
      if (again.status !== 0) {
        result.problems.push(`trial ${t}: the rerun failed (${again.status}): ${again.stderr.trim()}`);
        continue;
      }
      for (const p of await partialFiles(job.out)) result.problems.push(`trial ${t}, end: partial file ${p}`);
      const all = await walk(job.out);
      result.leftovers.push(...all.filter((f) => /\.tmp$/.test(f)));
      const files = all.filter((f) => job.compare.test(f));
      if (files.join() !== refFiles.join()) result.problems.push(`trial ${t}: files ${files.join(', ')} instead of ${refFiles.join(', ')}`);
      for (const f of refFiles) {
        if (!files.includes(f)) continue;
        const [a, b] = [await readFile(join(refJob.out, f)), await readFile(join(job.out, f))];
        if (!a.equals(b)) result.problems.push(`trial ${t}: ${f} differs from the uninterrupted run's`);
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true });
    await c.teardown?.();
  }
  return result;
}

/** A tiny training run `r` in `out` (SRCNN 9-1-5, a few updates; here 6, validated every 3, a log line each). */
export function trainArgs(data: string, out: string, { steps = 6, valEvery = 3, logEvery = 1 }: { steps?: number; valEvery?: number; logEvery?: number | null } = {}): string[] {
  const log = logEvery === null ? [] : ['--log-every', String(logEvery)];
  return ['train', '--method', 'srcnn915', '--cell', 'CELL2', '--scale', '2', '--data', data, '--out', out, '--name', 'r', '--steps', String(steps), '--val-every', String(valEvery), '--val-limit', '1', '--batch', '2', '--h-size', '16', '--loss', 'mse', '--workers', '0', '--threads', '1', ...log];
}
/** The folder of trainArgs' run. */
export const runDir = (out: string) => join(out, 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'r');

export const CHAOS_CASES: readonly ChaosCase[] = [
  {
    name: 'upscale',
    async setup(dir) {
      const input = join(dir, 'in.tif');
      const rng = new Rng(7);
      await mkdir(join(dir, 'out'), { recursive: true });
      await writeTiff(input, [0, 1].map(() => planeOf(96, 96, Uint8Array.from({ length: 96 * 96 }, () => Math.floor(rng.uniform() * 256)))));
      return { args: ['upscale', input, join(dir, 'out', 'in-x2.tif'), '--method', 'bicubic', '--scale', '2', '--tile', '32'], out: join(dir, 'out'), compare: /^in-x2\.tif$/ };
    },
  },
  simulateCase(),
  prepCase(),
  trainCase(),
  evalCase(),
  gridCase(),
];

/** An input folder made once for all of a case's runs (outputs record its path), removed by its teardown. */
function sharedInput(make: () => Promise<string>): { get(): Promise<string>; teardown(): Promise<void> } {
  let root: Promise<string> | undefined;
  return {
    get: () => (root ??= make()),
    async teardown() {
      if (root) await rm(await root, { recursive: true, force: true });
      root = undefined;
    },
  };
}

/** prep of two small tiles (prep.json records the tiles folder). */
function prepCase(): ChaosCase {
  const tiles = sharedInput(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'srcaco-chaos-tiles-'));
    await writeTilesFolder(dir, new Map([[3, syntheticTile(890, 3, 80)], [9, syntheticTile(890, 9, 80)]]));
    return dir;
  });
  return {
    name: 'prep',
    async setup(dir) {
      const out = join(dir, 'data');
      return { args: ['prep', '--tiles', await tiles.get(), '--out', out, '--workers', '1'], out, compare: /\.(tif|txt|jsonl|json)$/ };
    },
    teardown: tiles.teardown,
  };
}

/** train: killed before config.json exists, the run starts again (--force); after, it resumes (--resume). */
function trainCase(): ChaosCase {
  const data = sharedInput(() => writeTinyDataset({ hrSide: 32, counts: { train: 4, val: 1, test: 1 } }));
  return {
    name: 'train',
    async setup(dir) {
      const out = join(dir, 'runs');
      const first = trainArgs(await data.get(), out);
      const rerun = () => (existsSync(join(runDir(out), 'config.json')) ? ['train', '--resume', runDir(out), '--workers', '0', '--threads', '1'] : [...first, '--force']);
      return { args: first, rerun, out, compare: /\.safetensors$/ };
    },
    teardown: data.teardown,
  };
}

/** simulate of two small tiles: a rerun continues the interrupted folder (no --force). */
function simulateCase(): ChaosCase {
  return {
    name: 'simulate',
    async setup(dir) {
      const out = join(dir, 'sim');
      return { args: ['simulate', '--out', out, '--ids', '1,2', '--size', '160', '--workers', '1'], out, compare: /\.(tif|json)$/ };
    },
  };
}

/**
 * grid run --local of two tiny trainings, one at a time: killed, its training child stops too (the IPC channel's
 * end), and the rerun resumes or restarts each run from what its folder holds.
 */
function gridCase(): ChaosCase {
  const data = sharedInput(() => writeTinyDataset({ hrSide: 32, counts: { train: 4, val: 1, test: 1 } }));
  return {
    name: 'grid',
    async setup(dir) {
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'grid.yaml');
      const train = '{ batch: 2, h-size: 16, loss: mse, workers: 0, threads: 1, val-every: 3, val-limit: 1, log-every: 1 }';
      await writeFile(file, [`name: chaos`, `data: ${await data.get()}`, 'out: out', 'cells: [CELL2]', 'scales: [2]', `train: ${train}`, 'methods:', '  srcnn915: { lr: [1.0e-4, 1.0e-3], train: { steps: 6 } }', ''].join('\n'));
      return { args: ['grid', 'run', file, '--local', '--jobs', '1'], out: join(dir, 'out', 'runs'), compare: /\.safetensors$/ };
    },
    teardown: data.teardown,
  };
}

/** eval --run of a trained run: its rows (and the predictions written beside them). */
function evalCase(): ChaosCase {
  const data = sharedInput(() => writeTinyDataset({ hrSide: 32, counts: { train: 2, val: 1, test: 3 } }));
  return {
    name: 'eval',
    async setup(dir) {
      const out = join(dir, 'runs');
      const trained = run(trainArgs(await data.get(), out));
      if (trained.status !== 0) throw new Error(`eval setup: training failed: ${trained.stderr}`);
      return { args: ['eval', '--run', runDir(out), '--save-pred', join(runDir(out), 'pred')], out: runDir(out), compare: /^(eval|pred)\// };
    },
    teardown: data.teardown,
  };
}

// npm run chaos
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const only = arg('only', '');
  let failed = false;
  for (const c of CHAOS_CASES.filter((c) => !only || c.name === only)) {
    const r = await killAndResume(c, { trials: Number(arg('trials', '3')), killsPerTrial: Number(arg('kills', '3')), seed: Number(arg('seed', '1')) });
    console.log(`${r.name}: ${r.kills} kills survived, ${r.finishedFirst} runs ended before their kill, ${r.leftovers.length} temporaries left, ${r.problems.length} problems`);
    for (const p of r.problems) console.log(`  ${p}`);
    failed ||= r.problems.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
