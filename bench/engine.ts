/**
 * Engine bench: forward (the inference graph `srcaco upscale` runs) and one SGD-Nesterov training step
 * (StepRunner.step: forward, loss, backward, update as one ONNX graph) per model and loss, beside PyTorch CPU.
 *   npm run bench -- engine [--models srcnn915,srcnn,vdsr] [--loss mse,mse-ssim] [--threads 2] [--repeat 3]
 *                           [--batch 8] [--hr 96] [--scale 2] [--preset default] [--device cpu] [--no-peer] [--rounds 1]
 *                           [--no-blocked]
 * Each (model, loss) is measured in its own child process, so peak_rss_mb (the child's maxRSS) is that model's
 * alone; the PyTorch peer runs right after it for the same settings (load hits both alike), then a ratio line
 * (speedup > 1: ours is faster); with --rounds N the two alternate N times and the ratio compares the fastest
 * round of each (the rounds closest to a quiet machine). Times are medians of --repeat runs after one warm-up on a fixed random batch;
 * pre-upsampling models (srcnn, srcnn915) get the HR-sized input, the others the LR input, as the peer does.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initState, splitState } from '../src/engine/nn/state.js';
import { sgd } from '../src/engine/optim/sgd.js';
import { Session, type Device, type HostTensor } from '../src/engine/runtime.js';
import { compileStep, type CompiledStep } from '../src/engine/step.js';
import { StepRunner } from '../src/engine/step-runner.js';
import { compileTarget, type CompileTarget } from '../src/engine/target.js';
import { inferenceGraph } from '../src/infer/graph.js';
import { modelStepSpec, type Model } from '../src/models/model.js';
import { buildModel } from '../src/models/registry.js';
import { lossByName } from '../src/train/loss.js';
import { Rng } from '../src/util/random.js';
import { peerAvailable, runPeer, type PeerLine } from './peer.js';

/** The protocol step of a model as the trainer compiles it: input `x` in the model's convention, target `y`. */
export function compileModelStep(model: Model, loss: string, batch: number, hrPx: number, target: CompileTarget): { compiled: CompiledStep; side: number } {
  // The peer's optimizer (torch.optim.SGD lr 1e-3, momentum 0.9, Nesterov).
  const compiled = compileStep(modelStepSpec(model, { batch, hrPx, loss: lossByName(loss), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), target);
  return { compiled, side: model.input === 'cv2-bicubic' ? hrPx : hrPx / model.scale };
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The 1-minute load average, rounded, to record beside a timing on a shared machine. */
export const load1 = (): number => +loadavg()[0]!.toFixed(2);

/** This process's peak resident set so far, MiB. */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const round = (x: number, d = 1) => +x.toFixed(d);

/** Resident memory of process `pid` now, MiB (undefined once it has exited). */
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `npm run bench -- <args>` in a child node process and returns the JSON lines it printed; its stderr
 * passes through. With `rssCapGb`, the child is killed as soon as its resident memory passes the cap (polled
 * every 100 ms): an address-space limit would not do, V8 reserves ~10 GB of it per WebAssembly instance.
 */
export function runBenchChild(args: readonly string[], rssCapGb?: number): Promise<Array<Record<string, unknown>>> {
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', index, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let killedAtMb: number | undefined;
    const watch = rssCapGb
      ? setInterval(() => {
          const mb = rssMb(child.pid!);
          if (mb !== undefined && mb > rssCapGb * 1024 && killedAtMb === undefined) {
            killedAtMb = Math.round(mb);
            child.kill('SIGKILL');
          }
        }, 100)
      : undefined;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (killedAtMb !== undefined) return reject(new Error(`killed at RSS ${killedAtMb} MiB, over the ${rssCapGb} GiB cap`));
      if (code !== 0) return reject(new Error(`bench child ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
      resolve(lines);
    });
  });
}

export interface EngineCase {
  model: string;
  loss: 'mse' | 'mse-ssim';
  preset?: string;
  scale: number;
  batch: number;
  hrPx: number;
  threads: number;
  repeat: number;
  device: Device;
  /** Lower the step with ORT's blocked CPU convolutions (the compile target's default on the CPU). */
  blocked?: boolean;
}

async function timedMs(fn: () => Promise<unknown>, repeat: number): Promise<number> {
  await fn(); // warm-up (ORT allocates its arenas and picks kernels on the first run)
  const ms: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** Measures one (model, loss) in this process: forward then step, on one fixed random batch. */
export async function measureEngineCase(c: EngineCase): Promise<Record<string, unknown>> {
  const model = buildModel(c.model, { scale: c.scale, preset: c.preset });
  const rng = new Rng(1);
  const state = initState(model.specs, rng);
  const target = await compileTarget(c.device, c.blocked === false ? { blockedConvs: false } : {});
  const { compiled, side } = compileModelStep(model, c.loss, c.batch, c.hrPx, target);
  const rand = (shape: number[]): HostTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.uniform()) });
  const x = rand([c.batch, 1, side, side]);
  const y = rand([c.batch, 1, c.hrPx, c.hrPx]);

  const session = await Session.create(inferenceGraph(model, state, { batch: c.batch, height: side, width: side }), { threads: c.threads, device: c.device });
  const fwdMs = await timedMs(() => session.run({ x }), c.repeat);
  await session.release();

  const { params, buffers } = splitState(model.specs, state);
  const runner = await StepRunner.create(compiled, { params, buffers }, { threads: c.threads });
  const stepMs = await timedMs(() => runner.step({ x, y }, 1e-3), c.repeat);
  await runner.release();
  return {
    bench: 'engine', model: c.model, loss: c.loss, scale: c.scale, batch: c.batch, hr: c.hrPx, threads: c.threads,
    fwd_ms: round(fwdMs), step_ms: round(stepMs), peak_rss_mb: peakRssMb(), load1: load1(),
    ...(c.device !== 'cpu' ? { device: c.device } : {}), ...(c.blocked === false ? { blocked_convs: false } : {}), ...(c.preset && c.preset !== 'default' ? { preset: c.preset } : {}),
  };
}

/** `npm run bench -- engine ...`: one child per (model, loss), each followed by the peer and a ratio line. */
export async function engineBench(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: 'srcnn915,srcnn,vdsr' },
      model: { type: 'string' },
      loss: { type: 'string', default: 'mse,mse-ssim' },
      threads: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
      batch: { type: 'string', default: '8' },
      hr: { type: 'string', default: '96' },
      scale: { type: 'string', default: '2' },
      preset: { type: 'string', default: 'default' },
      device: { type: 'string', default: 'cpu' },
      'no-peer': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      'no-blocked': { type: 'boolean', default: false },
      child: { type: 'boolean', default: false },
    },
  });
  const common = { scale: Number(v.scale), batch: Number(v.batch), hrPx: Number(v.hr), threads: Number(v.threads), repeat: Number(v.repeat), device: v.device as Device, preset: v.preset };
  const losses = v.loss!.split(',') as Array<'mse' | 'mse-ssim'>;
  if (v.child) {
    console.log(JSON.stringify(await measureEngineCase({ ...common, model: v.model!, loss: losses[0]!, blocked: !v['no-blocked'] })));
    return;
  }
  // The peer is PyTorch on the CPU: a ratio against another device would compare different machines.
  const withPeer = !v['no-peer'] && common.device === 'cpu' && common.preset === 'default' && peerAvailable();
  if (!v['no-peer'] && !withPeer) console.error('bench engine: PyTorch peer skipped (needs /usr/bin/python3 with torch, --device cpu and the default preset)');
  const rounds = Number(v.rounds);
  for (const model of v.models!.split(',')) {
    for (const loss of losses) {
      const childArgs = ['engine', '--child', '--model', model, '--loss', loss, '--threads', v.threads!, '--repeat', v.repeat!, '--batch', v.batch!, '--hr', v.hr!, '--scale', v.scale!, '--preset', v.preset!, '--device', v.device!, ...(v['no-blocked'] ? ['--no-blocked'] : [])];
      const oursAll: Record<string, unknown>[] = [];
      const peerAll: PeerLine[] = [];
      // Alternating rounds: on a shared machine, the fastest of each side is the closest to its quiet time.
      for (let r = 0; r < rounds; r++) {
        const [ours] = await runBenchChild(childArgs);
        console.log(JSON.stringify(ours));
        if (ours) oursAll.push(ours);
        if (!withPeer || !ours) continue;
        const [peer] = await runPeer({ models: [model], loss, threads: common.threads, repeat: common.repeat, batch: common.batch, hr: common.hrPx, scale: common.scale });
        if (!peer) continue;
        console.log(JSON.stringify({ ...peer, load1: load1() }));
        peerAll.push(peer);
      }
      if (!oursAll.length || !peerAll.length) continue;
      const ours = fastest(oursAll as unknown as Timing[]);
      const peer = fastest(peerAll);
      console.log(JSON.stringify({
        bench: 'engine-ratio', model, loss,
        fwd_speedup: round(peer.fwd_ms / ours.fwd_ms, 3),
        step_speedup: round(peer.step_ms / ours.step_ms, 3),
        ...(rounds > 1 ? { rounds } : {}),
      }));
    }
  }
}

type Timing = { fwd_ms: number; step_ms: number };

/** The fastest forward and the fastest step over rounds (each may come from a different round). */
const fastest = (rounds: readonly Timing[]): Timing => ({ fwd_ms: Math.min(...rounds.map((r) => r.fwd_ms)), step_ms: Math.min(...rounds.map((r) => r.step_ms)) });
