/**
 * The only file that imports onnxruntime. Sessions over compiled graphs, host values in and out, and a
 * frozen device → execution-provider table.
 */
import * as ort from 'onnxruntime-node';
import { SrcacoError } from '../errors.js';
import type { DType } from './tensor.js';

export type Device = 'cpu' | 'webgpu' | 'cuda';

/** Execution providers tried for each device, in order; CPU is always the fallback for unsupported ops. */
export const EXECUTION_PROVIDERS: Readonly<Record<Device, readonly string[]>> = Object.freeze({
  cpu: Object.freeze(['cpu']),
  webgpu: Object.freeze(['webgpu', 'cpu']),
  cuda: Object.freeze(['cuda', 'cpu']),
});

/** The execution providers of `device`; throws the user's error for an unknown one. */
export function executionProviders(device: Device): readonly string[] {
  if (!Object.hasOwn(EXECUTION_PROVIDERS, device)) {
    throw new SrcacoError('usage', `unknown device "${device}"; known: ${Object.keys(EXECUTION_PROVIDERS).join(', ')}`, { option: '--device' });
  }
  return EXECUTION_PROVIDERS[device];
}

export interface SessionOptions {
  device?: Device;
  /** Intra-op threads (ORT's default is one per core). */
  threads?: number;
  /** Whether idle ORT worker threads spin (ORT's default, lowest latency) or sleep (kinder to a shared machine). */
  spinning?: boolean;
  /**
   * ORT's memory-pattern pre-planning (default on). Training steps turn it off: it raises their peak memory
   * (docs/benchmarks.md) without a measurable speed gain.
   */
  memoryPattern?: boolean;
  /** Write ORT's per-node profile (JSON) with this file prefix; it is complete once the session is released. */
  profilePrefix?: string;
}

/** A tensor on the host: row-major data and a static shape. */
export interface HostTensor {
  shape: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

/** A value held by the runtime between runs (opaque: avoids copying step outputs back into JS). */
export type DeviceValue = ort.Tensor;


function toOrt(v: HostTensor | DeviceValue): DeviceValue {
  if (v instanceof ort.Tensor) return v;
  const host = v as HostTensor;
  const type: ort.Tensor.Type =
    host.data instanceof Float32Array ? 'float32' : host.data instanceof Float64Array ? 'float64' : host.data instanceof BigInt64Array ? 'int64' : 'bool';
  return new ort.Tensor(type, host.data as never, [...host.shape]);
}

/** The host view of a runtime value (no copy on CPU). */
export function toHost(v: DeviceValue): HostTensor {
  return { shape: [...v.dims], data: v.data as HostTensor['data'] };
}

/** A host tensor filled with `value`. */
export function filledHost(shape: readonly number[], value: number, dtype: DType = 'float32'): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : dtype === 'int64' ? new BigInt64Array(n) : dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
  if (dtype === 'int64') (data as BigInt64Array).fill(BigInt(value));
  else (data as Float32Array).fill(value);
  return { shape: [...shape], data };
}

/** One ONNX Runtime session over a compiled graph. */
export class Session {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
  ) {}

  /** Loads model bytes on a device (default cpu). */
  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<Session> {
    const device = options.device ?? 'cpu';
    const providers = executionProviders(device);
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [...providers],
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...(options.memoryPattern === false ? { enableMemPattern: false } : {}),
        ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
        ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
      });
      return new Session(session, device);
    } catch (e) {
      const hint = device === 'cpu' ? '' : ` (is a ${device} device and its runtime library available here? --device cpu always works)`;
      throw new SrcacoError('runtime', `ONNX Runtime could not load the graph on ${device}${hint}: ${(e as Error).message}`, { cause: e });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph; feeds may be host tensors or values returned by an earlier run. */
  async run(feeds: Record<string, HostTensor | DeviceValue>): Promise<Record<string, DeviceValue>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
    try {
      return await this.session.run(ortFeeds);
    } catch (e) {
      throw new SrcacoError('runtime', `ONNX Runtime failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Like run, with every output copied out as a host tensor. */
  async runHost(feeds: Record<string, HostTensor | DeviceValue>): Promise<Record<string, HostTensor>> {
    const out = await this.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, toHost(v)]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
