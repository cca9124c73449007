// Child process of memnet.test.ts: compiles one MemNet training step, then prints how far one step raised the
// resident set above what it was before the step (MiB). Run: tsx memnet-step-rss.ts M R RECOMPUTE BATCH HR
import { readFileSync, writeFileSync } from 'node:fs';
import { compileStep } from '../../../src/engine/step.js';
import { StepRunner } from '../../../src/engine/step-runner.js';
import { compileTarget } from '../../../src/engine/target.js';
import { initState, splitState } from '../../../src/engine/nn/state.js';
import { sgd } from '../../../src/engine/optim/index.js';
import { mseLoss } from '../../../src/engine/ops/nn.js';
import { modelStepSpec } from '../../../src/models/model.js';
import { buildModel } from '../../../src/models/registry.js';
import { Rng } from '../../../src/util/random.js';

const [m, r, recompute, batch, hr] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const model = buildModel('memnet', { scale: 2, config: { num_memory_blocks: m, num_residual_blocks: r, recompute } });
const compiled = compileStep(modelStepSpec(model, { batch: batch, hrPx: hr, loss: mseLoss, optimizer: sgd({ momentum: 0.9 }) }), await compileTarget());
const { params, buffers } = splitState(model.specs, initState(model.specs, new Rng(1)));
const runner = await StepRunner.create(compiled, { params, buffers }, { threads: 1 });
const rng = new Rng(2);
const noise = (n: number) => Float32Array.from({ length: n }, () => rng.uniform());
const batchData = { x: { shape: [batch, 1, hr / 2, hr / 2], data: noise((batch * hr * hr) / 4) }, y: { shape: [batch, 1, hr, hr], data: noise(batch * hr * hr) } };
const statusKb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]);
// Reset the high-water mark so that tracing and compiling, which happen before, do not count (Linux ≥ 4.0).
writeFileSync('/proc/self/clear_refs', '5');
const beforeKb = statusKb('VmRSS');
await runner.step(batchData, 0.01);
console.log(JSON.stringify({ stepRssMb: (statusKb('VmHWM') - beforeKb) / 1024 }));
await runner.release();
