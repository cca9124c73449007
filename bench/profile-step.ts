// Where a training step's time goes: one model's protocol-loss step (as `bench engine` compiles it) run with ONNX
// Runtime's profiler, then the kernel time per op type and the slowest nodes, as JSON lines.
// Usage: npm run bench -- profile-step [--model prosr] [--scale 2] [--batch 8] [--hr 96] [--threads 2] [--steps 2]
//        [--preset default]
// The first step is a warm-up and is left out of the sums.
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState, splitState } from '../src/engine/nn/state.js';
import { StepRunner } from '../src/engine/step-runner.js';
import { compileTarget } from '../src/engine/target.js';
import { buildModel } from '../src/models/registry.js';
import { Rng } from '../src/util/random.js';
import { compileModelStep, load1 } from './engine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const method = arg('model', 'prosr');
const scale = Number(arg('scale', '2'));
const batch = Number(arg('batch', '8'));
const hrPx = Number(arg('hr', '96'));
const threads = Number(arg('threads', '2'));
const steps = Number(arg('steps', '2'));
const preset = arg('preset', 'default');

const model = buildModel(method, { scale, preset });
const { compiled, side } = compileModelStep(model, 'mse-ssim', batch, hrPx, await compileTarget('cpu'));
const dir = mkdtempSync(join(tmpdir(), 'srcaco-profile-'));
const rng = new Rng(1);
const runner = await StepRunner.create(compiled, splitState(model.specs, initState(model.specs, rng)), { threads, profilePrefix: join(dir, 'step') });
const noise = (n: number) => Float32Array.from({ length: n }, () => rng.uniform());
const feeds = { x: { shape: [batch, 1, side, side], data: noise(batch * side * side) }, y: { shape: [batch, 1, hrPx, hrPx], data: noise(batch * hrPx * hrPx) } };
const stepStarts: number[] = [];
for (let i = 0; i < steps; i++) {
  stepStarts.push(performance.now());
  await runner.step(feeds, 1e-3);
}
await runner.release();
const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
type Event = { cat: string; name: string; dur: number; ts: number; args?: { op_name?: string } };
const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Event[];
rmSync(dir, { recursive: true, force: true });
const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const after = runs.length > 1 ? runs[1]!.ts : 0; // leave the warm-up run out
const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= after);
const byOp = new Map<string, number>();
for (const e of nodes) byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
const measured = Math.max(1, runs.length - 1);
console.log(JSON.stringify({ bench: 'profile-step', model: method, scale, batch, hr: hrPx, threads, steps_profiled: measured, kernel_ms_per_step: Math.round(total / 1000 / measured), load1: load1() }));
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(JSON.stringify({ op, ms_per_step: Math.round(us / 1000 / measured), share: +(us / total).toFixed(3) }));
}
