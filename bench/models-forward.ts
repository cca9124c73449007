// Inference forward time of the registered models (eval mode, weights baked in) at batch B, LR h² → HR (s·h)²,
// the graph `srcaco upscale` runs. Round-robin over models so machine load hits each alike. Prints JSON lines.
//   node --import tsx bench/models-forward.ts [--models srcnn915,srcnn,vdsr] [--batch 8] [--lr 48] [--scale 2] [--threads 2] [--rounds 10] [--preset demo]
import { parseArgs } from 'node:util';
import { cpuUsage } from 'node:process';
import { Session } from '../src/engine/index.js';
import { countParams, initState } from '../src/engine/nn/index.js';
import { inferenceGraph } from '../src/infer/graph.js';
import { buildModel } from '../src/models/registry.js';
import { Rng } from '../src/util/random.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'srcnn915,srcnn,vdsr' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '48' },
    scale: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '10' },
    preset: { type: 'string' },
  },
});
const [B, h, s, threads, rounds] = [values.batch, values.lr, values.scale, values.threads, values.rounds].map(Number) as [number, number, number, number, number];

const rng = new Rng(1);
const runs = await Promise.all(
  values.models!.split(',').map(async (name) => {
    const model = buildModel(name, { scale: s, preset: values.preset });
    const side = model.input === 'lr' ? h : h * s;
    const session = await Session.create(inferenceGraph(model, initState(model.specs, rng), { batch: B, height: side, width: side }), { threads });
    const x = { shape: [B, 1, side, side], data: Float32Array.from({ length: B * side * side }, () => rng.uniform()) };
    await session.run({ x }); // warm-up
    return { model, session, x, ms: [] as number[], cpuMs: [] as number[] };
  }),
);
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    const c0 = cpuUsage();
    const t0 = performance.now();
    await run.session.run({ x: run.x });
    run.ms.push(performance.now() - t0);
    const c = cpuUsage(c0);
    run.cpuMs.push((c.user + c.system) / 1000);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
for (const run of runs) {
  const m = run.model;
  console.log(JSON.stringify({ bench: 'models-forward', model: m.name, config: m.config, params: countParams(m.specs), batch: B, lr: h, hr: h * s, scale: s, threads, fwd_ms: +median(run.ms).toFixed(1), cpu_ms: +median(run.cpuMs).toFixed(1) }));
  await run.session.release();
}
