/**
 * Runs a compiled training step again and again: one session.run per step, no graph rebuild, and the
 * runtime values of step k's outputs fed straight back as step k+1's inputs (no copies through JS).
 */
import { SrcacoError } from '../errors.js';
import { Rng } from '../util/random.js';
import { drawNoise } from './noise.js';
import type { DeviceValue, HostTensor, SessionOptions } from './runtime.js';
import { Session, filledHost, toHost } from './runtime.js';
import type { CompiledStep } from './step.js';
import { stepNames as N } from './step.js';

export interface StepInit {
  /** Initial parameters by name (shapes as compiled). */
  params: Readonly<Record<string, HostTensor>>;
  buffers?: Readonly<Record<string, HostTensor>>;
  /** Optimizer state by graph name (`state/<param>/<slot>`), e.g. when resuming; missing slots start at their initial value. */
  optimizerState?: Readonly<Record<string, HostTensor>>;
  /** Steps already taken (resuming); the next step is numbered stepCount + 1. */
  stepCount?: number;
  /**
   * The generator of step k's noise inputs (k = 1, 2, …; engine/noise.ts), a function of k alone so that a
   * resumed run draws what an uninterrupted one would. Default: `new Rng(k)`; training derives it from the run's seed.
   */
  noiseRng?: (step: number) => Rng;
}

export class StepRunner {
  private readonly carried = new Map<string, HostTensor | DeviceValue>(); // graph input name → current value
  private count: number;
  private readonly noiseRng: (step: number) => Rng;

  private constructor(
    private readonly compiled: CompiledStep,
    private readonly session: Session,
    init: StepInit,
  ) {
    this.count = init.stepCount ?? 0;
    this.noiseRng = init.noiseRng ?? ((step) => new Rng(step));
    for (const [name, shape] of Object.entries(compiled.params)) {
      const v = init.params[name];
      if (!v) throw new SrcacoError('usage', `no initial value for parameter "${name}"`);
      checkShape(name, v, shape);
      this.carried.set(N.param(name), v);
      for (const [slot, fill] of Object.entries(compiled.slots)) {
        const key = N.slot(name, slot);
        this.carried.set(key, init.optimizerState?.[key] ?? filledHost(shape, fill));
      }
    }
    for (const [name, shape] of Object.entries(compiled.buffers)) {
      const v = init.buffers?.[name];
      if (!v) throw new SrcacoError('usage', `no initial value for buffer "${name}"`);
      checkShape(name, v, shape);
      this.carried.set(N.buffer(name), v);
    }
  }

  /** Opens a session for the step on the device it was compiled for (its compile target's). */
  static async create(compiled: CompiledStep, init: StepInit, options: Omit<SessionOptions, 'device'> = {}): Promise<StepRunner> {
    return new StepRunner(compiled, await Session.create(compiled.model, { memoryPattern: false, ...options, device: compiled.target.device }), init);
  }

  /** One training step on `batch` at learning rate `lr`; returns the loss and any extra outputs. */
  async step(batch: Readonly<Record<string, HostTensor>>, lr: number): Promise<{ loss: number; outputs: Record<string, HostTensor> }> {
    const feeds: Record<string, HostTensor | DeviceValue> = Object.fromEntries(this.carried);
    for (const [name, spec] of Object.entries(this.compiled.inputs)) {
      const v = batch[name];
      if (!v) throw new SrcacoError('usage', `the batch has no "${name}"`);
      checkShape(name, v, spec.shape);
      feeds[N.input(name)] = v;
    }
    for (const [name, v] of Object.entries(drawNoise(this.compiled.noise, this.noiseRng(this.count + 1)))) feeds[N.noise(name)] = v;
    feeds[N.lr] = { shape: [], data: Float32Array.of(lr) };
    feeds[N.step] = { shape: [], data: Float32Array.of(this.count + 1) };
    const out = await this.session.run(feeds);
    for (const key of this.carried.keys()) this.carried.set(key, out[`new/${key}`]!);
    this.count++;
    const outputs: Record<string, HostTensor> = {};
    for (const name of this.compiled.outputs) outputs[name] = toHost(out[N.output(name)]!);
    return { loss: Number(toHost(out[N.loss]!).data[0]), outputs };
  }

  get stepCount(): number {
    return this.count;
  }

  private hostOf(names: readonly string[], key: (n: string) => string): Record<string, HostTensor> {
    return Object.fromEntries(names.map((n) => [n, asHost(this.carried.get(key(n))!)]));
  }

  /** Current parameters (host views). */
  params(): Record<string, HostTensor> {
    return this.hostOf(Object.keys(this.compiled.params), N.param);
  }
  /** Current buffers (host views). */
  buffers(): Record<string, HostTensor> {
    return this.hostOf(Object.keys(this.compiled.buffers), N.buffer);
  }
  /** Current optimizer state by graph name. */
  optimizerState(): Record<string, HostTensor> {
    const keys = [...this.carried.keys()].filter((k) => k.startsWith('state/'));
    return Object.fromEntries(keys.map((k) => [k, asHost(this.carried.get(k)!)]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function asHost(v: HostTensor | DeviceValue): HostTensor {
  return 'shape' in v && !('dims' in v) ? (v as HostTensor) : toHost(v as DeviceValue);
}

function checkShape(name: string, v: HostTensor, shape: readonly number[]): void {
  if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
    throw new SrcacoError('usage', `"${name}" has shape [${v.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
}
