/**
 * `srcaco detector train`: trains the StarDist-style U-Net with srcaco's engine on simulated H2B (CELL2) HR
 * images and their nucleus truth, all generated from seeds, so the shipped weights are reproducible. Each step
 * draws random patches (mostly holding nuclei, as StarDist's patch filter), a random dihedral transform, a random
 * blur and intensity change (so the detector also reads smoother super-resolved images), computes StarDist's
 * targets on the patch, and takes one Adam step on StarDist's loss. The end of training scores the detector and
 * the classical one on held-out tiles of another simulation seed.
 *
 * The run folder holds config.json, log.csv (step, loss and its two terms, learning rate, seconds),
 * stardist.safetensors (the configuration in its metadata) and validation.json.
 */
import { mkdir, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forwardContext } from '../engine/nn/layers.js';
import { paramShapes, countParams } from '../engine/nn/spec.js';
import { initState, splitState, stateToSafetensors, type StateDict } from '../engine/nn/state.js';
import { adam } from '../engine/optim/adam.js';
import { compileStep } from '../engine/step.js';
import { StepRunner } from '../engine/step-runner.js';
import { compileTarget } from '../engine/target.js';
import { SrcacoError } from '../errors.js';
import { writeSafetensors } from '../io/safetensors.js';
import { dihedral, type DihedralMode } from '../train/augment-dihedral.js';
import { gaussianBlur } from '../sim/optics.js';
import { Rng } from '../util/random.js';
import { detectNucleiClassical, normalisePercentiles } from './detect-classical.js';
import { StarDetector } from './detect-stardist.js';
import { scoreDetector, type DetectorScore } from './evaluate-detector.js';
import { simulatedNucleusImages } from './simulated-nuclei.js';
import { starLoss } from './star-loss.js';
import { edtProb, starDist } from './star-targets.js';
import { STAR_GRID, starDivisor, starUnet, STAR_UNET_DEFAULT, type StarUnetConfig } from './star-unet.js';

export interface StarTrainOptions {
  outDir: string;
  /** Seed of the weights' init and of the patch draw. */
  seed?: number;
  /** Simulation seed of the training tiles (the held-out ones use `validationSeed`). */
  dataSeed?: number;
  tiles?: number;
  tileSize?: number;
  validationSeed?: number;
  validationTiles?: number;
  steps?: number;
  batch?: number;
  patch?: number;
  /** Adam's learning rate at the start; it follows a half cosine to 5% of it. */
  lr?: number;
  threads?: number;
  config?: StarUnetConfig;
  onStep?: (step: number, total: number, loss: number) => void;
}

/** The defaults `srcaco detector train` uses: they made the shipped weights. */
export const STAR_TRAIN_DEFAULTS = { seed: 0, dataSeed: 101, tiles: 24, tileSize: 512, validationSeed: 202, validationTiles: 8, steps: 1200, batch: 8, patch: 128, lr: 1e-3 };

export const STAR_WEIGHTS_FILE = 'stardist.safetensors';

interface TrainImage {
  image: Float32Array;
  labels: Uint16Array;
  size: number;
}

/** One augmented patch and its targets (channels-first, at the grid). */
function drawPatch(images: readonly TrainImage[], patch: number, nRays: number, rng: Rng): { image: Float32Array; prob: Float32Array; dist: Float32Array } {
  let im = images[0]!, y0 = 0, x0 = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    im = images[rng.int(images.length)]!;
    y0 = rng.int(im.size - patch + 1);
    x0 = rng.int(im.size - patch + 1);
    let fg = 0;
    for (let y = 0; y < patch; y += 4) for (let x = 0; x < patch; x += 4) fg += im.labels[(y0 + y) * im.size + x0 + x]! > 0 ? 1 : 0;
    if (fg / (patch / 4) ** 2 >= 0.1) break; // StarDist's patch filter: mostly patches holding objects
  }
  const crop = new Float32Array(patch * patch), lab = new Uint16Array(patch * patch);
  for (let y = 0; y < patch; y++) {
    crop.set(im.image.subarray((y0 + y) * im.size + x0, (y0 + y) * im.size + x0 + patch), y * patch);
    lab.set(im.labels.subarray((y0 + y) * im.size + x0, (y0 + y) * im.size + x0 + patch), y * patch);
  }
  const mode = rng.int(8) as DihedralMode;
  let image = dihedral(crop, patch, patch, mode).data;
  const labels = dihedral(lab, patch, patch, mode).data;
  if (rng.uniform() < 0.5) image = gaussianBlur(image, patch, patch, 0.5 + 1.5 * rng.uniform());
  const gain = 0.8 + 0.4 * rng.uniform(), offset = 0.1 * (rng.uniform() - 0.5);
  for (let i = 0; i < image.length; i++) image[i] = image[i]! * gain + offset;
  const g = patch / STAR_GRID;
  const distHwr = starDist(labels, patch, patch, nRays, STAR_GRID);
  const dist = new Float32Array(nRays * g * g);
  for (let i = 0; i < g * g; i++) for (let k = 0; k < nRays; k++) dist[k * g * g + i] = distHwr[i * nRays + k]!;
  return { image, prob: edtProb(labels, patch, patch, STAR_GRID), dist };
}

/** Trains; returns the trained state, its validation scores and where the weights went. */
export async function trainStarDetector(o: StarTrainOptions): Promise<{ weightsPath: string; state: StateDict; validation: { stardist: DetectorScore; classical: DetectorScore } }> {
  const opt = { ...STAR_TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof STAR_TRAIN_DEFAULTS & StarTrainOptions;
  const config = o.config ?? STAR_UNET_DEFAULT;
  if (opt.patch % starDivisor(config) !== 0 || opt.patch > opt.tileSize) {
    throw new SrcacoError('usage', `--patch ${opt.patch} must be a multiple of ${starDivisor(config)} and at most --tile-size ${opt.tileSize}`, { option: '--patch' });
  }
  await mkdir(o.outDir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the run folder (${e.message})`, { path: o.outDir, option: '--out', cause: e });
  });
  const net = starUnet(config);
  const record = { format: 'srcaco-stardist-run', version: 1, ...opt, onStep: undefined, outDir: undefined, config, params: countParams(net.specs) };
  await writeFile(join(o.outDir, 'config.json'), `${JSON.stringify(record, null, 1)}\n`);
  // training images: tile ids 1..n of the training simulation, each normalised as a whole (as StarDist does)
  const ids = Array.from({ length: opt.tiles }, (_, i) => i + 1);
  const images: TrainImage[] = simulatedNucleusImages(opt.dataSeed, ids, opt.tileSize).map((t) => ({ image: normalisePercentiles(t.image, 1, 99.8), labels: t.labels, size: opt.tileSize }));
  const { batch, patch } = opt;
  const g = patch / STAR_GRID;
  const step = compileStep(
    {
      params: paramShapes(net.specs),
      inputs: { image: [batch, 1, patch, patch], prob: [batch, 1, g, g], dist: [batch, config.nRays, g, g] },
      optimizer: adam(),
      lossFn: ({ params, inputs }) =>
        net.bind(params, forwardContext(true), (forward) => {
          const out = forward(inputs.image!);
          const l = starLoss(out.probLogits, out.dist, inputs.prob!, inputs.dist!);
          return { loss: l.loss, outputs: { probLoss: l.prob, distLoss: l.dist } };
        }),
    },
    await compileTarget('cpu'),
  );
  const rng = new Rng(opt.seed);
  const init = initState(net.specs, rng.fork(1));
  const runner = await StepRunner.create(step, { params: splitState(net.specs, init).params }, { threads: opt.threads ?? 2, spinning: false });
  const draw = rng.fork(2);
  const log = join(o.outDir, 'log.csv');
  await writeFile(log, 'step,loss,prob_loss,dist_loss,lr,seconds\n');
  const start = Date.now();
  let state: StateDict;
  try {
    for (let s = 1; s <= opt.steps; s++) {
      const img = new Float32Array(batch * patch * patch), prob = new Float32Array(batch * g * g), dist = new Float32Array(batch * config.nRays * g * g);
      for (let b = 0; b < batch; b++) {
        const p = drawPatch(images, patch, config.nRays, draw);
        img.set(p.image, b * patch * patch);
        prob.set(p.prob, b * g * g);
        dist.set(p.dist, b * config.nRays * g * g);
      }
      const lr = opt.lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (s - 1)) / opt.steps)));
      const { loss, outputs } = await runner.step(
        { image: { shape: [batch, 1, patch, patch], data: img }, prob: { shape: [batch, 1, g, g], data: prob }, dist: { shape: [batch, config.nRays, g, g], data: dist } },
        lr,
      );
      if (!Number.isFinite(loss)) throw new SrcacoError('runtime', `the loss is ${loss} at step ${s}`);
      const terms = [outputs.probLoss!.data[0], outputs.distLoss!.data[0]].map((v) => Number(v).toFixed(5));
      await appendFile(log, `${s},${loss.toFixed(5)},${terms.join(',')},${lr.toExponential(3)},${((Date.now() - start) / 1000).toFixed(1)}\n`);
      o.onStep?.(s, opt.steps, loss);
    }
    state = { ...init, ...runner.params() };
  } finally {
    await runner.release();
  }
  const weightsPath = join(o.outDir, STAR_WEIGHTS_FILE);
  const metadata = { format: 'srcaco-stardist', config: JSON.stringify(config), seed: String(opt.seed), dataSeed: String(opt.dataSeed), tiles: String(opt.tiles), steps: String(opt.steps) };
  await writeSafetensors(weightsPath, stateToSafetensors(state), metadata);
  // held-out tiles of another simulation
  const held = simulatedNucleusImages(opt.validationSeed, Array.from({ length: opt.validationTiles }, (_, i) => i + 1), opt.tileSize);
  const detector = await StarDetector.fromWeights(weightsPath, { threads: opt.threads ?? 2 });
  let validation: { stardist: DetectorScore; classical: DetectorScore };
  try {
    validation = { stardist: await scoreDetector(held, (im) => detector.detect(im)), classical: await scoreDetector(held, (im) => detectNucleiClassical(im)) };
  } finally {
    await detector.release();
  }
  await writeFile(join(o.outDir, 'validation.json'), `${JSON.stringify({ seed: opt.validationSeed, tiles: opt.validationTiles, tileSize: opt.tileSize, iou: 0.5, ...validation }, null, 1)}\n`);
  return { weightsPath, state, validation };
}
