// Conv weight- and input-gradient formulations on single layers, in isolation: for each layer shape, one
// graph per formulation computing dL/dW (or dL/dx) from x and g, timed round-robin. Prints JSON lines;
// cpu_ms (process CPU time per run) is steadier than wall time on a loaded machine when --threads 1.
//   node --import tsx bench/engine-conv.ts [--batch 8] [--hr 96] [--threads 1] [--rounds 8]
// LAYERS='[{"name":"…","c":64,"o":64,"k":8,"stride":4,"pad":2}]' replaces the layers (stride default 1, pad
// default (k−1)/2); strided layers compare the weight formulations that take a stride.
import { parseArgs } from 'node:util';
import * as E from '../src/engine/index.js';
import { Rng } from '../src/util/random.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '8' }, hr: { type: 'string', default: '96' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '8' } } });
const [B, S, threads, rounds] = [values.batch, values.hr, values.threads, values.rounds].map(Number) as [number, number, number, number];
const layers = process.env.LAYERS ? JSON.parse(process.env.LAYERS) as { name: string; c: number; o: number; k: number; stride?: number; pad?: number }[] : [
  { name: '1→64 9×9', c: 1, o: 64, k: 9 },
  { name: '64→32 5×5', c: 64, o: 32, k: 5 },
  { name: '32→1 5×5', c: 32, o: 1, k: 5 },
  { name: '64→64 3×3', c: 64, o: 64, k: 3 },
];
const rng = new Rng(2);
const host = (shape: number[]): E.HostTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()) });
const forms = ['batchConv', 'offsetMatmul', 'im2col', 'gradShift', 'rowShift', 'padShift'] as const;
const block = await E.nchwcBlockSize();
// Each formulation traced for its own target; standard ops (no blocked layout) unless a variant says so.
const targetFor = (convGradient: Partial<E.ConvGradient>) => E.compileTarget('cpu', { blockedConvs: false, convGradient });

type Variant = { layer: string; what: string; run: () => Promise<unknown>; cpu: number[]; wall: number[] };
const variants: Variant[] = [];
for (const l of layers) {
  const stride = l.stride ?? 1;
  const pad = l.pad ?? (l.k - 1) / 2;
  const conv = { stride, padding: pad };
  const so = Math.floor((S + 2 * pad - l.k) / stride) + 1;
  const xs = host([B, l.c, S, S]);
  const gs = host([B, l.o, so, so]);
  const ws = host([l.o, l.c, l.k, l.k]);
  const feeds = { x: xs, g: gs, w: ws };
  const add = async (what: string, build: (x: E.Tensor, g: E.Tensor, w: E.Tensor) => E.Tensor, lowering: { nchwcBlock?: number } = {}) => {
    const x = E.input('x', xs.shape);
    const g = E.input('g', gs.shape);
    const w = E.input('w', ws.shape);
    const s = await E.Session.create(E.toOnnx({ inputs: [x, g, w], outputs: [['y', build(x, g, w)]] }, lowering), { threads });
    variants.push({ layer: l.name, what, run: () => s.run(feeds), cpu: [], wall: [] });
  };
  await add('forward', (x, _g, w) => E.conv2d(x, w, null, conv));
  // The same conv as a training step lowers it on this CPU (weights fed as inputs), reorders in and out included.
  if (block) await add('forward:blocked', (x, _g, w) => E.conv2d(x, w, null, conv), { nchwcBlock: block });
  // The shift formulations need stride 1 (they fall back to im2col otherwise).
  for (const weight of stride === 1 ? forms : forms.filter((f) => !/Shift$/.test(f))) {
    const target = await targetFor({ weight });
    await add(`weight:${weight}`, (x, g, w) => E.convWeightGrad(x, g, w.shape, { stride: [stride, stride], pads: [pad, pad, pad, pad], dilation: [1, 1], groups: 1 }, target));
  }
  for (const input of ['conv', 'convTranspose'] as const) {
    const target = await targetFor({ input });
    await add(`input:${input}`, (x, g, w) => E.grad(E.reduceSum(E.mul(E.conv2d(x, w, null, conv), g)), [x], target)[0]!);
  }
}
for (const v of variants) await v.run();
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await v.run();
    const c = process.cpuUsage(c0);
    v.wall.push(performance.now() - t0);
    v.cpu.push((c.user + c.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const v of variants) console.log(JSON.stringify({ layer: v.layer, what: v.what, batch: B, hr: S, threads, ms: +median(v.wall).toFixed(1), cpu_ms: +median(v.cpu).toFixed(1) }));
