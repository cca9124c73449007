// The short training run of the parity tests (ACT, ENLCN, SRFBN): a few Adam steps of the protocol loss on one
// smooth batch that a tiny network learns quickly, so that a falling loss says the compiled step trains.
import type { HostTensor } from '../../../src/engine/index.js';
import { adam, compileStep, compileTarget, StepRunner } from '../../../src/engine/index.js';
import { initState, splitState } from '../../../src/engine/nn/index.js';
import { modelStepSpec, type Model } from '../../../src/models/model.js';
import { mseSsimLoss } from '../../../src/train/loss.js';
import { Rng } from '../../../src/util/random.js';

/** Two hrPx² HR images (a sine pattern with a little Rng(seed) noise) as `y`, their 2×2 means as the LR `x`. */
export function meanPooledBatch(hrPx: number, seed: number): { x: HostTensor; y: HostTensor } {
  const rng = new Rng(seed);
  const hr = Float32Array.from({ length: 2 * hrPx * hrPx }, (_, i) => 0.5 + 0.4 * Math.sin(i / 5) * Math.cos(i / 37) + 0.05 * rng.uniform());
  const half = hrPx / 2;
  const lr = Float32Array.from({ length: 2 * half * half }, (_, i) => {
    const [b, r, c] = [Math.floor(i / (half * half)), Math.floor((i % (half * half)) / half), i % half];
    const at = (dy: number, dx: number) => hr[b * hrPx * hrPx + (2 * r + dy) * hrPx + 2 * c + dx]!;
    return (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
  });
  return { x: { shape: [2, 1, half, half], data: lr }, y: { shape: [2, 1, hrPx, hrPx], data: hr } };
}

/**
 * Eight Adam steps (lr 1e-3) of the protocol loss on meanPooledBatch(16, 6), batch 2, from `init` (default: the
 * model's init drawn from Rng(5)); the losses, and the buffers after the last step.
 */
export async function trainOnOneBatch(
  model: Model,
  init = splitState(model.specs, initState(model.specs, new Rng(5))),
): Promise<{ losses: number[]; buffers: Record<string, HostTensor> }> {
  const hrPx = 16;
  const compiled = compileStep(modelStepSpec(model, { batch: 2, hrPx, loss: mseSsimLoss(), optimizer: adam() }), await compileTarget());
  const runner = await StepRunner.create(compiled, init, { threads: 2 });
  try {
    const batch = meanPooledBatch(hrPx, 6);
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await runner.step(batch, 1e-3)).loss);
    return { losses, buffers: runner.buffers() };
  } finally {
    await runner.release();
  }
}
