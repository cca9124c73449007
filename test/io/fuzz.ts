/**
 * Fuzzing of every file srcaco reads from a user (issue 20): TIFF, safetensors, PyTorch .pth checkpoints, a split's
 * pair list (l_h.txt), a tile split file, a run's config.json and a grid file. Seeded mutations of valid seed files (the TIFF fixtures cover
 * every codec, predictor, byte order, strips/tiles and BigTIFF); each input must either read or fail with one
 * one-line SrcacoError, within a time bound and without results beyond what the file's size justifies.
 *
 *   npm run fuzz -- [--seed N] [--count N] [--seconds S] [--target tiff,safetensors,...] [--keep DIR]
 *
 * prints the inputs tried per target and every failure (target, seed file, mutations, what went wrong); with
 * --keep, each failing input is saved there. `test/io/fuzz.test.ts` runs a short deterministic form.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SrcacoError } from '../../src/errors.js';
import { planeOf } from '../../src/image/plane.js';
import { readGridFile } from '../../src/grid/grid-file.js';
import { PAIR_LIST_FILES, splitFolderName } from '../../src/io/layout.js';
import { parsePth } from '../../src/io/pth.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { readSplitPairs } from '../../src/io/split-pairs.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { maxExpansion } from '../../src/io/tiff-codecs.js';
import { DEFAULT_TILE_SPLIT, formatTileSplit, readTileSplit } from '../../src/io/tile-split.js';
import { resolveTrainConfig } from '../../src/train/run-config.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { Rng } from '../../src/util/random.js';
import { mutateBytes, mutateText, mutateTiff, type Mutation } from './fuzz-mutate.js';

interface Seed {
  name: string;
  bytes: Uint8Array;
}

interface Target {
  name: string;
  seeds(work: string): Promise<Seed[]>;
  mutate(bytes: Uint8Array, rng: Rng): Mutation;
  /** Where the input is written, under the run's work folder. */
  file(work: string): string;
  /** Reads the input; returns how many bytes the result holds (checked against the file's size). */
  read(path: string, work: string): Promise<number>;
  /** The most result bytes one input byte may justify (plus 64 KiB). */
  expansion: number;
}

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const enc = (s: string) => new TextEncoder().encode(s);

const tiff: Target = {
  name: 'tiff',
  async seeds(work) {
    const dir = join(fixtures, 'tiff');
    const seeds = readdirSync(dir).filter((f) => f.endsWith('.tif')).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
    // Our own writer's files (IFDs after the pixels, multi-page), and one relabelled as PackBits, the codec no fixture uses.
    const planes = [0, 1].map((k) => planeOf(12, 10, Uint16Array.from({ length: 120 }, (_, i) => i * 300 + k)));
    for (const compression of ['none', 'deflate'] as const) {
      const path = join(work, `writer-${compression}.tif`);
      await writeTiff(path, planes, { compression, rowsPerStrip: 3 });
      seeds.push({ name: `writer-${compression}`, bytes: new Uint8Array(readFileSync(path)) });
    }
    const packbits = new Uint8Array(seeds.at(-2)!.bytes);
    const view = new DataView(packbits.buffer);
    const ifd = view.getUint32(4, true);
    for (let e = 0; e < view.getUint16(ifd, true); e++) {
      if (view.getUint16(ifd + 2 + e * 12, true) === 259) view.setUint16(ifd + 2 + e * 12 + 8, 32773, true);
    }
    seeds.push({ name: 'writer-packbits', bytes: packbits });
    return seeds;
  },
  mutate: mutateTiff,
  file: (work) => join(work, 'input.tif'),
  async read(path) {
    const planes = await readTiff(path);
    return planes.reduce((a, p) => a + p.data.byteLength, 0);
  },
  expansion: Math.max(...[1, 5, 8, 32773].map(maxExpansion)),
};

const safetensors: Target = {
  name: 'safetensors',
  async seeds() {
    const mixed = serializeSafetensors(
      new Map([
        ['conv.weight', { dtype: 'F32', shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) }],
        ['conv.bias', { dtype: 'F16', shape: [2], data: Uint16Array.of(0x3c00, 0xc000) }],
        ['bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(5n) }],
        ['mask', { dtype: 'U8', shape: [4], data: Uint8Array.of(0, 1, 2, 255) }],
      ] as const),
      { step: '12' },
    );
    return [
      { name: 'small_state_dict.safetensors', bytes: new Uint8Array(readFileSync(join(fixtures, 'safetensors', 'small_state_dict.safetensors'))) },
      { name: 'mixed', bytes: mixed },
    ];
  },
  // The header is JSON: half the mutations work on its tokens, half on the bytes (the length word, the data).
  mutate: (bytes, rng) => (rng.int(2) === 0 ? mutateText(bytes, rng) : mutateBytes(bytes, rng)),
  file: (work) => join(work, 'input.safetensors'),
  async read(path) {
    const content = parseSafetensors(readFileSync(path), path);
    return [...content.tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
  },
  expansion: 1,
};

const splitFolder = splitFolderName('train', 2, 'CELL0');
const pairList: Target = {
  name: 'pair-list',
  async seeds(work) {
    const lines = [0, 1, 2].map((k) => {
      for (const side of ['lr', 'hr']) writeFileSync(join(work, `${side}${k}.tif`), '');
      return `lr${k}.tif,hr${k}.tif\n`;
    });
    return [{ name: 'l_h.txt', bytes: enc(lines.join('')) }];
  },
  mutate: mutateText,
  file: (work) => {
    mkdirSync(join(work, splitFolder), { recursive: true });
    return join(work, splitFolder, PAIR_LIST_FILES.lrToHr);
  },
  async read(_path, work) {
    const pairs = await readSplitPairs(work, 'train', 'CELL0', 2);
    return pairs.reduce((a, p) => a + p.id.length + p.lr.length + p.hr.length, 0);
  },
  expansion: 2,
};

const tileSplit: Target = {
  name: 'tile-split',
  async seeds() {
    return [{ name: 'default split', bytes: enc(formatTileSplit(DEFAULT_TILE_SPLIT)) }];
  },
  mutate: mutateText,
  file: (work) => join(work, 'split.json'),
  async read(path) {
    const split = await readTileSplit(path);
    return JSON.stringify(split).length;
  },
  expansion: 4,
};

const runConfig: Target = {
  name: 'run-config',
  async seeds(work) {
    const seeds: Seed[] = [];
    for (const [method, extra] of [['srcnn915', {}], ['drrn', { preset: 'demo' }], ['memnet', { config: { num_memory_blocks: 1, num_residual_blocks: 1 } }]] as const) {
      const config = resolveTrainConfig({ method, scale: 2, cell: 'CELL0', dataRoot: work, epochs: 1, ...extra });
      const run = await RunFolder.create(join(work, 'seed-runs'), config, { name: method });
      seeds.push({ name: `${method} config.json`, bytes: new Uint8Array(readFileSync(run.configPath)) });
    }
    return seeds;
  },
  mutate: mutateText,
  file: (work) => {
    mkdirSync(join(work, 'run'), { recursive: true });
    return join(work, 'run', 'config.json');
  },
  async read(_path, work) {
    await RunFolder.open(join(work, 'run'));
    return 0;
  },
  expansion: 1,
};

// PyTorch checkpoints: zip archives (stored entries: the pickle and the raw storages) and the legacy format, with
// views and nested state_dicts (the malicious pickles are refused whole, by design: test/io/pth.test.ts).
const pth: Target = {
  name: 'pth',
  async seeds() {
    const dir = join(fixtures, 'pth');
    return readdirSync(dir).filter((f) => f.endsWith('.pth') && !f.startsWith('malicious') && statSync(join(dir, f)).size < 64 * 1024).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
  },
  mutate: mutateBytes,
  file: (work) => join(work, 'input.pth'),
  async read(path) {
    const content = parsePth(new Uint8Array(readFileSync(path)), path);
    return [...content.tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
  },
  expansion: 1,
};

const gridFile: Target = {
  name: 'grid-file',
  async seeds() {
    const text = [
      'name: fuzz',
      'data: data',
      'out: out',
      'cells: [CELL0, CELL2]',
      'scales: [2, 4]',
      'train: { batch: 8, h-size: 96, loss: mse-ssim, workers: 0, val-every: 100 }',
      'evaluation: { split: test, limit: 30 }',
      'methods:',
      '  srcnn915: { lr: [1.0e-4, 3.0e-3], train: { steps: 4 } }',
      '  drrn: { lr: [1.0e-4], train: { steps: 2 } }',
      '  bicubic: {}',
      '',
    ].join('\n');
    return [{ name: 'grid.yaml', bytes: enc(text) }];
  },
  mutate: mutateText,
  file: (work) => join(work, 'grid.yaml'),
  async read(path) {
    return JSON.stringify(await readGridFile(path)).length;
  },
  expansion: 8,
};

export const FUZZ_TARGETS: readonly Target[] = [tiff, safetensors, pth, pairList, tileSplit, runConfig, gridFile];

export interface FuzzOptions {
  seed: number;
  /** Inputs per target. */
  count: number;
  /** Time budget for the whole run; targets share it equally. */
  seconds: number;
  /** Bound on one input's read. */
  inputMs?: number;
  targets?: readonly string[];
  /** Folder where failing inputs are saved. */
  keep?: string;
  log?: (line: string) => void;
}

export interface FuzzFailure {
  target: string;
  input: string;
  problem: string;
}

export interface FuzzResult {
  /** Inputs tried per target, and how many of them read without error. */
  tried: Record<string, { inputs: number; read: number }>;
  failures: FuzzFailure[];
}

/** Runs the fuzz: per target, `count` inputs (or until its share of the time budget is spent). */
export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const targets = FUZZ_TARGETS.filter((t) => !o.targets || o.targets.includes(t.name));
  const result: FuzzResult = { tried: {}, failures: [] };
  const inputMs = o.inputMs ?? 2000;
  for (const [n, target] of targets.entries()) {
    const work = mkdtempSync(join(tmpdir(), `srcaco-fuzz-${target.name}-`));
    try {
      const seeds = await target.seeds(work);
      const rng = new Rng(o.seed).fork(n);
      const path = target.file(work);
      const deadline = Date.now() + (o.seconds * 1000) / targets.length;
      const stats = { inputs: 0, read: 0 };
      result.tried[target.name] = stats;
      for (let i = 0; i < o.count && Date.now() < deadline; i++) {
        // The first inputs are the seed files themselves: each must read.
        const seed = i < seeds.length ? seeds[i]! : seeds[rng.int(seeds.length)]!;
        let bytes = seed.bytes;
        const hows: string[] = [];
        for (let m = i < seeds.length ? 0 : 1 + rng.int(3); m > 0; m--) {
          const mutation = target.mutate(bytes, rng);
          bytes = mutation.bytes;
          hows.push(mutation.how);
        }
        const input = [seed.name, ...hows].join(' + ');
        writeFileSync(path, bytes);
        stats.inputs++;
        const problem = await tryRead(target, path, work, bytes.length, inputMs, i < seeds.length);
        if (problem === null) stats.read++;
        else if (problem !== 'refused') {
          result.failures.push({ target: target.name, input, problem });
          o.log?.(`FAIL ${target.name} #${i}: ${input}: ${problem}`);
          if (o.keep) {
            mkdirSync(o.keep, { recursive: true });
            writeFileSync(join(o.keep, `${target.name}-seed${o.seed}-${i}`), bytes);
          }
        }
      }
      o.log?.(`${target.name}: ${stats.inputs} inputs from ${seeds.length} seed files, ${stats.read} read, ${stats.inputs - stats.read} refused with one SrcacoError`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return result;
}

/** null: read; 'refused': one clean SrcacoError; anything else: what went wrong. */
async function tryRead(target: Target, path: string, work: string, size: number, inputMs: number, mustRead: boolean): Promise<string | null> {
  const start = Date.now();
  let problem: string | null = null;
  try {
    const bytes = await target.read(path, work);
    if (bytes > size * target.expansion + 65536) problem = `result holds ${bytes} bytes from a ${size}-byte file`;
  } catch (e) {
    if (!(e instanceof SrcacoError)) problem = `uncaught ${(e as Error)?.name}: ${(e as Error)?.message ?? e}`;
    else if (e.message.includes('\n')) problem = `a SrcacoError of several lines: ${JSON.stringify(e.message)}`;
    else problem = mustRead ? `a seed file fails: ${e.message}` : 'refused';
  }
  const ms = Date.now() - start;
  if (ms > inputMs) problem = `took ${ms} ms (bound ${inputMs} ms)${problem && problem !== 'refused' ? `; ${problem}` : ''}`;
  return problem;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seed = Number(option('seed', String(Date.now() % 1e6)));
  const count = Number(option('count', '5000'));
  const seconds = Number(option('seconds', '300'));
  const targets = process.argv.includes('--target') ? option('target', '').split(',') : undefined;
  console.log(`fuzz: seed ${seed}, up to ${count} inputs per target, ${seconds} s budget`);
  const r = await runFuzz({ seed, count, seconds, targets, keep: option('keep', '') || undefined, log: (l) => console.log(l) });
  const total = Object.values(r.tried).reduce((a, t) => a + t.inputs, 0);
  console.log(`fuzz: ${total} inputs tried, ${r.failures.length} failure(s)`);
  process.exit(r.failures.length === 0 ? 0 : 1);
}
