/**
 * `srcaco downstream`: do super-resolved images support the same nucleus count as HR? N test images drawn at
 * random (seeded), super-resolved by each method, nuclei detected, counted and matched (IoU ≥ 0.5) to the
 * simulator's truth (or to the HR detections when the data has no truth), and each method's counts compared with
 * HR's by Steel's many-to-one test (HR the control), as the paper's downstream task (SPEC §6).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { SrcacoError } from '../errors.js';
import { planeOf, type Plane } from '../image/plane.js';
import { readSplitPairs, type SplitPairFiles } from '../io/split-pairs.js';
import { HR_MARGIN_PX, type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { readTiff } from '../io/tiff.js';
import { writeFileAtomic } from '../io/atomic.js';
import { Upscaler } from '../infer/upscaler.js';
import { bicubicBaseline } from '../metrics/bicubic-baseline.js';
import type { ManifestEntry } from '../prep/cut-tile.js';
import { MANIFEST_FILE, PREP_CONFIG_FILE, readManifest, type PrepConfig } from '../prep/prep-dataset.js';
import { PatchNucleusTruth, readSimTruth } from '../sim/nuclei.js';
import { steelTest } from '../stats/steel.js';
import { RunFolder } from '../train/run-folder.js';
import { Rng } from '../util/random.js';
import type { Detection } from './detect-classical.js';
import { openDetector, type NucleusDetector } from './open-detector.js';
import { addToPool, emptyPool, matchInstances, type PooledMatch } from './match.js';
import { truthIgnoreSet } from './truth.js';
import { writeDetectionOverlays } from '../report/downstream-section.js';

export interface DownstreamOptions {
  dataRoot: string;
  cell: Cell;
  scale: SrScale;
  /** 'bicubic' or run folders. */
  methods: readonly string[];
  outDir: string;
  /** Test images drawn (default 30). */
  n?: number;
  seed?: number;
  split?: SplitName;
  alpha?: number;
  /** 'stardist' (default), 'classical', or a StarDist model exported to ONNX (open-detector.ts). */
  detector?: string;
  /** Probability and NMS thresholds of the StarDist-style detectors (SPEC §6: 0.6 and 0.4). */
  probThreshold?: number;
  nmsThreshold?: number;
  onImage?: (done: number, total: number) => void;
}

export interface DownstreamMethod {
  name: string;
  /** Nuclei counted per image (same order as `images`). */
  counts: number[];
  /** Pooled over the images: matches against the reference. */
  match: PooledMatch;
  /** Steel's many-to-one test against HR's counts (absent for HR itself). */
  steel?: { statistic: number; pValue: number; differs: boolean };
}

export interface DownstreamResult {
  format: 'srcaco-downstream';
  version: 1;
  cell: Cell;
  scale: SrScale;
  split: SplitName;
  seed: number;
  detector: string;
  /** What detections are matched against. */
  reference: 'simulator truth' | 'HR detections';
  matching: string;
  images: Array<{ id: string; truthCount?: number }>;
  methods: DownstreamMethod[];
  steel: { control: 'HR'; method: 'asymptotic' | 'exact'; alternative: 'two-sided'; alpha: number };
  /** Detection overlays of the first image (HR, then each method), relative to this file's folder. */
  overlays: Array<{ name: string; file: string }>;
}

export const DOWNSTREAM_FILE = 'downstream.json';

/** A method as the command names it: bicubic, or a run folder's model and best weights. */
interface Method {
  name: string;
  upscale(lr: Plane): Promise<Plane<Float32Array>>;
  release(): Promise<void>;
}

async function openMethod(spec: string, scale: SrScale): Promise<Method> {
  if (spec === 'bicubic') return { name: 'bicubic', upscale: async (lr) => bicubicBaseline(lr, scale), release: async () => undefined };
  const run = await RunFolder.open(spec);
  if (run.config.scale !== scale) throw new SrcacoError('usage', `run ${spec} is a x${run.config.scale} model, --scale is ${scale}`, { option: '--methods' });
  const upscaler = new Upscaler(run.model, await run.loadWeights('best'));
  return { name: `${run.config.method} (${spec.split(/[\\/]/).filter(Boolean).pop()})`, upscale: (lr) => upscaler.upscale(lr), release: () => upscaler.release() };
}

/** The simulator's truth for the prepared patches, when the data was prepared from simulated tiles. */
async function patchTruthSource(dataRoot: string): Promise<{ truth: PatchNucleusTruth; byHr: Map<string, ManifestEntry> } | undefined> {
  const config = await readFile(join(dataRoot, PREP_CONFIG_FILE), 'utf8').then((t) => JSON.parse(t) as PrepConfig).catch(() => undefined);
  if (!config) return undefined;
  const truth = await readSimTruth(isAbsolute(config.tilesDir) ? config.tilesDir : resolve(dataRoot, config.tilesDir));
  if (!truth) return undefined;
  return { truth: new PatchNucleusTruth(truth), byHr: new Map((await readManifest(dataRoot)).map((e) => [e.hr, e])) };
}

/** The truth label image of one HR patch (the 512² crop 64 px inside its window), and the labels to ignore. */
function patchTruth(source: NonNullable<Awaited<ReturnType<typeof patchTruthSource>>>, pair: SplitPairFiles, size: number): { labels: Uint16Array; ignore: Set<number>; count: number } | undefined {
  const entry = source.byHr.get(pair.hr);
  if (!entry) return undefined;
  const map = source.truth.of(entry.tile, entry.window, size, HR_MARGIN_PX);
  const ignore = truthIgnoreSet(map.nuclei);
  return { labels: map.labels, ignore, count: map.nuclei.length - ignore.size };
}

/** Draws n distinct items (all when n ≥ their number), in list order, from the seeded stream. */
function drawImages<T>(items: readonly T[], n: number, seed: number): T[] {
  const rng = new Rng(seed);
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, Math.min(n, items.length)).sort((a, b) => a - b).map((i) => items[i]!);
}

/** Per image and method, what the report's overlays draw. */
export interface DownstreamDetections {
  id: string;
  hr: Plane;
  detections: Array<{ name: string; image: Plane; detection: Detection }>;
}

/** Runs the downstream task; writes `outDir/downstream.json` and the first image's detection overlays. */
export async function runDownstream(o: DownstreamOptions): Promise<{ result: DownstreamResult; path: string; first?: DownstreamDetections }> {
  const split = o.split ?? 'test';
  const seed = o.seed ?? 0;
  const alpha = o.alpha ?? 0.05;
  await mkdir(o.outDir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the output folder (${e.message})`, { path: o.outDir, option: '--out', cause: e });
  });
  const pairs = drawImages(await readSplitPairs(o.dataRoot, split, o.cell, o.scale), o.n ?? 30, seed);
  const truthSource = await patchTruthSource(o.dataRoot);
  const methods: Method[] = [];
  let detector: NucleusDetector | undefined;
  try {
    detector = await openDetector(o.detector, { probThreshold: o.probThreshold, nmsThreshold: o.nmsThreshold });
    for (const spec of o.methods) methods.push(await openMethod(spec, o.scale));
    const rows: DownstreamMethod[] = [{ name: 'HR', counts: [], match: emptyPool() }, ...methods.map((m) => ({ name: m.name, counts: [], match: emptyPool() }))];
    const images: DownstreamResult['images'] = [];
    let first: DownstreamDetections | undefined;
    for (const [k, pair] of pairs.entries()) {
      const [hr] = await readTiff(pair.hrPath);
      const [lr] = await readTiff(pair.lrPath);
      if (!hr || !lr) throw new SrcacoError('input', 'the TIFF has no image plane', { path: hr ? pair.lrPath : pair.hrPath });
      const hrDetection = await detector.detect(hr);
      const truth = truthSource ? patchTruth(truthSource, pair, hr.width) : undefined;
      if (truthSource && !truth) throw new SrcacoError('data', `${pair.hr} is not in the manifest of the prepared folder`, { path: join(o.dataRoot, MANIFEST_FILE) });
      const reference = truth ?? { labels: hrDetection.labels, ignore: new Set<number>(), count: hrDetection.count };
      images.push({ id: pair.id, ...(truth ? { truthCount: truth.count } : {}) });
      const outputs: Array<{ name: string; image: Plane; detection: Detection }> = [{ name: 'HR', image: hr, detection: hrDetection }];
      for (const m of methods) {
        const sr = await m.upscale(lr);
        const image = planeOf(sr.width, sr.height, sr.data);
        outputs.push({ name: m.name, image, detection: await detector.detect(image) });
      }
      outputs.forEach((out, i) => {
        rows[i]!.counts.push(out.detection.count);
        addToPool(rows[i]!.match, matchInstances(reference.labels, out.detection.labels, { ignore: reference.ignore }));
      });
      if (k === 0) first = { id: pair.id, hr, detections: outputs };
      o.onImage?.(k + 1, pairs.length);
    }
    const steel = steelTest(rows[0]!.counts, rows.slice(1).map((r) => r.counts), { alternative: 'two-sided' });
    rows.slice(1).forEach((r, i) => {
      r.steel = { statistic: steel.statistics[i]!, pValue: steel.pValues[i]!, differs: steel.pValues[i]! < alpha };
    });
    const result: DownstreamResult = {
      format: 'srcaco-downstream',
      version: 1,
      cell: o.cell,
      scale: o.scale,
      split,
      seed,
      detector: detector.description,
      reference: truthSource ? 'simulator truth' : 'HR detections',
      matching: 'IoU >= 0.5, greedy by IoU (the optimal assignment at this threshold); grazed nucleus caps ignored',
      images,
      methods: rows,
      steel: { control: 'HR', method: steel.method, alternative: 'two-sided', alpha },
      overlays: first ? await writeDetectionOverlays(o.outDir, first) : [],
    };
    const path = join(o.outDir, DOWNSTREAM_FILE);
    await writeFileAtomic(path, `${JSON.stringify(result, null, 1)}\n`);
    return { result, path, first };
  } finally {
    for (const m of methods) await m.release();
    await detector?.release();
  }
}

/** Reads a downstream.json, refusing anything else in one line. */
export async function readDownstream(path: string): Promise<DownstreamResult> {
  let parsed: Partial<DownstreamResult>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<DownstreamResult>;
  } catch (e) {
    throw new SrcacoError('input', `cannot read the downstream result (${(e as Error).message})`, { path, option: '--downstream', cause: e });
  }
  if (parsed.format !== 'srcaco-downstream' || parsed.version !== 1) {
    throw new SrcacoError('input', 'not a downstream.json written by `srcaco downstream`', { path, option: '--downstream' });
  }
  return parsed as DownstreamResult;
}
