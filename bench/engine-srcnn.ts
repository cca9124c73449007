// SRCNN 9-5-5 (1→64 9×9, 64→32 5×5, 32→1 5×5) on the engine: forward and MSE training-step time for each
// conv-gradient formulation, measured round-robin so machine load hits every variant alike. Prints JSON lines;
// cpu_ms (process CPU time per run) is steadier than wall time on a loaded machine when --threads 1.
//   node --import tsx bench/engine-srcnn.ts [--batch 8] [--hr 96] [--threads 2] [--rounds 10]
import { parseArgs } from 'node:util';
import * as E from '../src/engine/index.js';
import type { Tensor } from '../src/engine/index.js';
import { Rng } from '../src/util/random.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '8' }, hr: { type: 'string', default: '96' }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '10' } } });
const [B, S, threads, rounds] = [values.batch, values.hr, values.threads, values.rounds].map(Number) as [number, number, number, number];

const layers = [[64, 1, 9], [32, 64, 5], [1, 32, 5]] as const;
const params: Record<string, number[]> = {};
layers.forEach(([o, i, k], l) => {
  params[`conv${l}.weight`] = [o, i, k, k];
  params[`conv${l}.bias`] = [o];
});
function srcnn(p: Record<string, Tensor>, x: Tensor): Tensor {
  layers.forEach(([, , k], l) => {
    x = E.conv2d(x, p[`conv${l}.weight`]!, p[`conv${l}.bias`]!, { padding: (k - 1) / 2 });
    if (l < 2) x = E.relu(x);
  });
  return x;
}
// The PyTorch peer's optimizer: SGD, momentum 0.9, Nesterov.
const nesterov: E.Optimizer = {
  slots: { buf: 0 },
  update: ({ param, grad, state, lr }) => {
    const buf = E.add(E.mul(state.buf!, 0.9), grad);
    return { param: E.sub(param, E.mul(E.add(grad, E.mul(buf, 0.9)), lr)), state: { buf } };
  },
};

const rng = new Rng(1);
const host = (shape: number[], sd: number): E.HostTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal() * sd) });
const init = Object.fromEntries(Object.entries(params).map(([k, s]) => [k, host(s, s.length === 4 ? Math.sqrt(2 / (s[1]! * s[2]! * s[3]!)) : 0)]));
const batch = { lr: host([B, 1, S, S], 1), hr: host([B, 1, S, S], 1) };

type Variant = { name: string; run: () => Promise<unknown>; times: number[]; cpu: number[] };
const variants: Variant[] = [];
{
  const x = E.input('x', [B, 1, 'H', 'W']);
  const consts = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, E.constant(v.data, v.shape)]));
  const session = await E.Session.create(E.toOnnx({ inputs: [x], outputs: [['y', srcnn(consts, x)]] }), { threads });
  variants.push({ name: 'forward', run: () => session.run({ x: batch.lr }), times: [], cpu: [] });
}
const forms: E.ConvGradient[] = [
  { input: 'auto', weight: 'auto' },
  { input: 'conv', weight: 'rowShift' },
  { input: 'conv', weight: 'batchConv' },
  { input: 'conv', weight: 'offsetMatmul' },
  { input: 'conv', weight: 'im2col' },
  { input: 'convTranspose', weight: 'batchConv' },
];
for (const form of forms) {
  const step = E.compileStep(
    {
      params,
      inputs: { lr: [B, 1, S, S], hr: [B, 1, S, S] },
      optimizer: nesterov,
      lossFn: ({ params: p, inputs }) => E.mseLoss(srcnn(p, inputs.lr!), inputs.hr!),
    },
    await E.compileTarget('cpu', { convGradient: form }),
  );
  const runner = await E.StepRunner.create(step, { params: init }, { threads });
  variants.push({ name: `step input=${form.input} weight=${form.weight}`, run: () => runner.step(batch, 1e-3), times: [], cpu: [] });
}
for (const v of variants) for (let i = 0; i < 2; i++) await v.run(); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await v.run();
    v.times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    v.cpu.push((c.user + c.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const v of variants) {
  console.log(JSON.stringify({ engine: 'srcaco-ort', model: 'srcnn915', what: v.name, batch: B, hr: S, threads, ms: +median(v.times).toFixed(1), min_ms: +Math.min(...v.times).toFixed(1), cpu_ms: +median(v.cpu).toFixed(1) }));
}
