// MemNet's activation recomputation: the same training step, chosen where memory needs it, less memory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HostTensor } from '../../src/engine/index.js';
import { compileStep, compileTarget, input, mseLoss, sgd, StepRunner, topoSort } from '../../src/engine/index.js';
import { bufferShapes, paramShapes } from '../../src/engine/nn/spec.js';
import { forwardContext } from '../../src/engine/nn/layers.js';
import { initState, splitState } from '../../src/engine/nn/state.js';
import { modelStepSpec } from '../../src/models/model.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff } from '../engine/compare.js';

const B = 2;
const HR = 16;

async function oneStep(recompute: number): Promise<{ params: Record<string, HostTensor>; buffers: Record<string, HostTensor>; init: Record<string, HostTensor> }> {
  const model = buildModel('memnet', { scale: 2, config: { num_memory_blocks: 2, num_residual_blocks: 2, recompute } });
  const compiled = compileStep(modelStepSpec(model, { batch: B, hrPx: HR, loss: mseLoss, optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
  const { params, buffers } = splitState(model.specs, initState(model.specs, new Rng(1)));
  const runner = await StepRunner.create(compiled, { params, buffers }, { threads: 1 });
  const rng = new Rng(2);
  const noise = (n: number) => Float32Array.from({ length: n }, () => rng.uniform());
  await runner.step({ x: { shape: [B, 1, HR / 2, HR / 2], data: noise((B * HR * HR) / 4) }, y: { shape: [B, 1, HR, HR], data: noise(B * HR * HR) } }, 0.1);
  const out = { params: runner.params(), buffers: runner.buffers(), init: params };
  await runner.release();
  return out;
}

for (const level of [1, 2]) {
  test(`memnet recompute=${level} takes the same training step as recompute=0 (parameters and BN running statistics)`, async () => {
    const plain = await oneStep(0);
    const recomputed = await oneStep(level);
    assert.ok(maxAbsDiff(plain.params, plain.init) > 1e-3, 'the step should move the parameters');
    const dp = maxAbsDiff(plain.params, recomputed.params);
    assert.ok(dp < 1e-5, `parameters differ by ${dp}`);
    const db = maxAbsDiff(plain.buffers, recomputed.buffers);
    assert.ok(db < 1e-6, `running statistics differ by ${db}`);
  });
}

/** Recomputed segments in a MemNet forward traced on an input of `shape`. */
function rematSegments(options: { preset?: string; config?: Record<string, number> }, shape: number[], training: boolean): number {
  const model = buildModel('memnet', { scale: 2, ...options });
  const vars = Object.fromEntries(Object.entries({ ...paramShapes(model.specs), ...bufferShapes(model.specs) }).map(([k, s]) => [k, input(k, s)]));
  const y = model.forward(vars, input('x', shape), forwardContext(training));
  return topoSort([y]).filter((t) => t.node.kind === 'op' && t.node.prim.name === 'remat').length;
}

test("memnet recompute=-1 (auto) recomputes for the original 6 × 6 at batch 8 × 96², not for the demo preset nor at inference", () => {
  const auto = (preset: string, batch: number, training: boolean) => rematSegments({ preset }, [batch, 1, 48, 48], training);
  // The original 6 × 6 at batch 8 × 96² would keep ≈ 33 GB: auto recomputes its batch norms, one segment per
  // BN-ReLU-conv of a residual unit (2 per unit, 6 × 6 × 6 units) and one per gate.
  assert.equal(auto('default', 8, true), 2 * 6 * 6 * 6 + 6);
  assert.equal(auto('demo', 8, true), 0);
  assert.equal(auto('default', 8, false), 0);
  const forced = (recompute: number) => rematSegments({ config: { recompute } }, [2, 1, 8, 8], true);
  // Whole passes: per memory block, one segment per recursive pass and one for the gate.
  assert.equal(forced(2), 6 * (6 + 1));
  assert.equal(forced(0), 0);
  assert.throws(() => buildModel('memnet', { scale: 2, config: { recompute: 3 } }), /recompute must be -1 \(auto\), 0 \(off\), 1 \(batch norms\) or 2 \(whole passes\), received 3/);
});

test('memnet recompute=1 and 2 hold less memory during a training step (peak RSS of a child process)', async () => {
  const child = fileURLToPath(new URL('./helpers/memnet-step-rss.ts', import.meta.url));
  // 1 memory block × 4 passes of 4 residual units at batch 4 × 32²: 16 residual units of ≈ 8 MiB saved each.
  const stepRssMb = (recompute: number) =>
    new Promise<number>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', child, '1', '4', String(recompute), '4', '32'], (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        resolve((JSON.parse(stdout.trim().split('\n').pop()!) as { stepRssMb: number }).stepRssMb);
      });
    });
  const [plain, norms, passes] = await Promise.all([stepRssMb(0), stepRssMb(1), stepRssMb(2)]);
  assert.ok(plain > 100, `the plain step should need > 100 MiB here, measured ${plain}`);
  assert.ok(norms < 0.75 * plain, `recomputing batch norms should cut the step's memory: ${norms} MiB vs ${plain} MiB`);
  assert.ok(passes < 0.6 * plain, `recomputing whole passes should cut it further: ${passes} MiB vs ${plain} MiB`);
});
