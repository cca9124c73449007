/**
 * Train bench: training throughput with the data pipeline included, beside PyTorch CPU's step.
 *   npm run bench -- train [--models srcnn915,srcnn,vdsr,drrn,memnet] [--preset default|demo] [--steps 3]
 *                          [--batch 8] [--hr 96] [--threads 2] [--workers 1] [--loss mse-ssim]
 *                          [--torch-batch memnet=1] [--rss-cap-gb 20] [--no-peer] [--config recompute=0]
 * Ours: batches cut by TrainPrefetcher (worker threads, ROI-weighted crops, dihedral and LR augmentation, cv2
 * bicubic for SRCNN) from synthetic 512² HR / 256² LR pairs held in memory, then StepRunner.step with the
 * protocol loss and SGD-Nesterov; one warm-up step, then --steps timed steps, in a child process per model
 * whose maxRSS is the model's peak memory (killed once its RSS passes --rss-cap-gb, below the 24 GB a step may
 * take, so an oversized model fails instead of exhausting a shared machine; 0: no cap). Peer: bench_torch.py
 * --loss mse-ssim for the same model; its memnet runs at batch 1 (the original MemNet needs more than 24 GB at
 * batch 8 in PyTorch). patches_per_s counts the whole loop (batch wait + step); data_wait_ms is the median wait on
 * the prefetcher. --config sets model hyper-parameters for every model that has them (e.g. memnet's
 * recompute=0|1|2; its default -1 recomputes activations where the step would not fit in memory, as for the
 * original 6 × 6).
 */
import { parseArgs } from 'node:util';
import { planeOf, type Plane } from '../src/image/plane.js';
import { areaDownsample } from '../src/prep/registration/resample.js';
import { buildModel, modelDef } from '../src/models/registry.js';
import { initState, splitState } from '../src/engine/nn/state.js';
import type { Device } from '../src/engine/runtime.js';
import { StepRunner } from '../src/engine/step-runner.js';
import { compileTarget } from '../src/engine/target.js';
import { defaultPatchOptions, type TrainPair } from '../src/train/data-patch.js';
import { TrainPrefetcher } from '../src/train/data-prefetch.js';
import { Rng } from '../src/util/random.js';
import { compileModelStep, load1, median, peakRssMb, runBenchChild } from './engine.js';
import { peerAvailable, runPeer } from './peer.js';

const round = (x: number, d = 1) => +x.toFixed(d);

/** Synthetic cell-like pairs: Gaussian blobs on a dark background (HR), LR the s×s box average, uint8. */
export function syntheticPairs(count: number, hrPx: number, scale: number, rng: Rng): TrainPair[] {
  const pairs: TrainPair[] = [];
  for (let k = 0; k < count; k++) {
    const hr = new Float32Array(hrPx * hrPx);
    for (let b = 0; b < 40; b++) {
      const cx = rng.uniform() * hrPx, cy = rng.uniform() * hrPx, r = 4 + rng.uniform() * 20, a = 60 + rng.uniform() * 190;
      const x0 = Math.max(0, Math.floor(cx - 3 * r)), x1 = Math.min(hrPx, Math.ceil(cx + 3 * r));
      const y0 = Math.max(0, Math.floor(cy - 3 * r)), y1 = Math.min(hrPx, Math.ceil(cy + 3 * r));
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hr[y * hrPx + x]! += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
    }
    const hr8 = Uint8Array.from(hr, (v) => Math.min(255, Math.round(v + rng.uniform() * 3)));
    const lr = areaDownsample({ width: hrPx, height: hrPx, data: hr8 }, scale);
    pairs.push({ lr: planeOf(lr.width, lr.height, Uint8Array.from(lr.data, Math.round)) as Plane, hr: planeOf(hrPx, hrPx, hr8) as Plane });
  }
  return pairs;
}

interface TrainCase {
  model: string;
  preset: string;
  /** Hyper-parameter overrides, applied to the models that know them. */
  config: Readonly<Record<string, number>>;
  loss: string;
  scale: number;
  batch: number;
  hrPx: number;
  threads: number;
  workers: number;
  steps: number;
  device: Device;
}

/** Trains `steps` timed steps (after one warm-up) on prefetched synthetic batches, in this process. */
async function measureTrainCase(c: TrainCase): Promise<Record<string, unknown>> {
  const model = buildModel(c.model, { scale: c.scale, preset: c.preset, config: configFor(c.model, c.config) });
  const rng = new Rng(7);
  const pairs = syntheticPairs(2 * c.batch, 512, c.scale, rng.fork(1));
  const cv2Input = model.input === 'cv2-bicubic';
  const options = { batchSize: c.batch, patch: defaultPatchOptions(c.scale, { hrPatchPx: c.hrPx, withUpsampled: cv2Input }) };
  const stream = new TrainPrefetcher({ kind: 'memory', pairs }, options, { seed: 0, epoch: 0, batchInEpoch: 0 }, { workers: c.workers });
  const t0 = performance.now();
  const { compiled } = compileModelStep(model, c.loss, c.batch, c.hrPx, await compileTarget(c.device));
  const { params, buffers } = splitState(model.specs, initState(model.specs, rng));
  const runner = await StepRunner.create(compiled, { params, buffers }, { threads: c.threads });
  const compileS = (performance.now() - t0) / 1000;

  const waitMs: number[] = [];
  const stepMs: number[] = [];
  const oneStep = async () => {
    const tw = performance.now();
    const b = await stream.next();
    const ts = performance.now();
    const side = cv2Input ? b.hrPx : b.lrPx;
    await runner.step({ x: { shape: [b.batchSize, 1, side, side], data: cv2Input ? b.lrUp! : b.lr }, y: { shape: [b.batchSize, 1, b.hrPx, b.hrPx], data: b.hr } }, 1e-3);
    return [ts - tw, performance.now() - ts] as const;
  };
  await oneStep();
  const tStart = performance.now();
  for (let i = 0; i < c.steps; i++) {
    const [w, s] = await oneStep();
    waitMs.push(w);
    stepMs.push(s);
  }
  const totalS = (performance.now() - tStart) / 1000;
  await runner.release();
  // A timer holds the event loop while the workers stop: close() can otherwise leave nothing ref'd and the
  // process ends with its top-level await unsettled (exit 13) — seen when a prefetched batch is still in flight.
  const hold = setInterval(() => {}, 1000);
  await stream.close();
  clearInterval(hold);
  return {
    bench: 'train', model: c.model, preset: c.preset, ...(Object.keys(model.config).length ? { config: model.config } : {}), loss: c.loss, scale: c.scale, batch: c.batch, hr: c.hrPx, threads: c.threads, workers: c.workers, steps: c.steps,
    patches_per_s: round((c.batch * c.steps) / totalS, 3), ms_per_step: round((totalS * 1000) / c.steps), step_ms: round(median(stepMs)), data_wait_ms: round(median(waitMs)),
    compile_s: round(compileS, 2), peak_rss_mb: peakRssMb(), load1: load1(),
  };
}

/** `--config a=1,b=2` as numbers by name. */
function parseConfig(text: string): Record<string, number> {
  const config: Record<string, number> = {};
  for (const kv of text.split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined || !Number.isFinite(Number(v))) throw new Error(`bench train: --config wants name=number pairs, got "${kv}"`);
    config[k] = Number(v);
  }
  return config;
}

/** The overrides that `model` has among its hyper-parameters (one --config serves a list of models). */
function configFor(model: string, config: Readonly<Record<string, number>>): Record<string, number> {
  const known = modelDef(model).defaults;
  return Object.fromEntries(Object.entries(config).filter(([k]) => k in known));
}

/** `npm run bench -- train ...`: one child per model, each followed by the peer's step and a ratio line. */
export async function trainBench(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: 'srcnn915,srcnn,vdsr,drrn,memnet' },
      model: { type: 'string' },
      preset: { type: 'string', default: 'default' },
      loss: { type: 'string', default: 'mse-ssim' },
      steps: { type: 'string', default: '3' },
      batch: { type: 'string', default: '8' },
      'torch-batch': { type: 'string', default: 'memnet=1' },
      hr: { type: 'string', default: '96' },
      scale: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
      workers: { type: 'string', default: '1' },
      device: { type: 'string', default: 'cpu' },
      'rss-cap-gb': { type: 'string', default: '20' },
      'no-peer': { type: 'boolean', default: false },
      config: { type: 'string', default: '' },
      child: { type: 'boolean', default: false },
    },
  });
  const c = { preset: v.preset!, config: parseConfig(v.config!), loss: v.loss!, scale: Number(v.scale), batch: Number(v.batch), hrPx: Number(v.hr), threads: Number(v.threads), workers: Number(v.workers), steps: Number(v.steps), device: v.device as Device };
  if (v.child) {
    console.log(JSON.stringify(await measureTrainCase({ ...c, model: v.model! })));
    return;
  }
  const torchBatch = new Map(v['torch-batch']!.split(',').filter(Boolean).map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])] as const));
  // The peer builds the original architectures: recompute changes how ours runs, not what it computes.
  const originalArchitecture = c.preset === 'default' && Object.keys(c.config).every((k) => k === 'recompute');
  const withPeer = !v['no-peer'] && c.device === 'cpu' && originalArchitecture && (c.loss === 'mse' || c.loss === 'mse-ssim') && peerAvailable();
  if (!v['no-peer'] && !withPeer) console.error('bench train: PyTorch peer skipped (needs /usr/bin/python3 with torch, --device cpu, the default preset and no --config but recompute, loss mse or mse-ssim)');
  const cap = Number(v['rss-cap-gb']) || undefined;
  for (const model of v.models!.split(',')) {
    const args = ['train', '--child', '--model', model, '--preset', c.preset, '--config', v.config!, '--loss', c.loss, '--steps', v.steps!, '--batch', v.batch!, '--hr', v.hr!, '--scale', v.scale!, '--threads', v.threads!, '--workers', v.workers!, '--device', v.device!];
    let ours: Record<string, unknown> | undefined;
    try {
      [ours] = await runBenchChild(args, cap);
      console.log(JSON.stringify(ours));
    } catch (e) {
      // Over the memory cap (or failed): report it and go on with the peer.
      console.log(JSON.stringify({ bench: 'train', model, preset: c.preset, batch: c.batch, failed: (e as Error).message, rss_cap_gb: cap, load1: load1() }));
    }
    if (!withPeer) continue;
    const batch = torchBatch.get(model) ?? c.batch;
    const [peer] = await runPeer({ models: [model], loss: c.loss as 'mse' | 'mse-ssim', threads: c.threads, repeat: c.steps, batch, hr: c.hrPx, scale: c.scale });
    if (!peer) continue;
    const peerPps = (peer.batch * 1000) / peer.step_ms;
    console.log(JSON.stringify({ ...peer, patches_per_s: round(peerPps, 3), load1: load1() }));
    if (ours) {
      console.log(JSON.stringify({
        bench: 'train-ratio', model, batch_ours: c.batch, batch_torch: peer.batch,
        patches_per_s_ours: ours.patches_per_s, patches_per_s_torch: round(peerPps, 3), speedup: round((ours.patches_per_s as number) / peerPps, 3),
      }));
    }
  }
}
