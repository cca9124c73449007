/**
 * Training checkpoints: a folder holding the weights as safetensors with PyTorch state_dict keys (parameters and
 * buffers: `torch.load_state_dict(safetensors.torch.load_file(...))` reads them), the optimizer state as a second
 * safetensors file keyed `<param>.<slot>` (PyTorch's slot names: momentum_buffer, exp_avg, ...), and
 * `checkpoint.json` (epoch, step, RNG states, config, anything else the trainer passes) naming both files.
 *
 * Saving never leaves a broken checkpoint: the tensor files get fresh names, the JSON (written atomically, last)
 * is the commit point, and files it no longer names are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { SafeTensor, SafetensorsDtype } from '../io/safetensors.js';
import { readSafetensors, tensorToFloat32, writeSafetensors } from '../io/safetensors.js';
import type { HostTensor } from './runtime.js';
import { stepNames } from './step.js';

export const CHECKPOINT_JSON = 'checkpoint.json';
const FORMAT = 'srcaco-checkpoint';
const VERSION = 1;

export interface CheckpointData {
  /** Trainable parameters by PyTorch key. */
  params: Readonly<Record<string, HostTensor>>;
  /** Non-trainable state (batch-norm running statistics) by PyTorch key. */
  buffers?: Readonly<Record<string, HostTensor>>;
  /** Optimizer slots by step graph name `state/<param>/<slot>`, as StepRunner.optimizerState() returns them. */
  optimizerState?: Readonly<Record<string, HostTensor>>;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer updates taken (StepRunner.stepCount). */
  step: number;
  /** Named generator states (Rng.state()). */
  rng?: Readonly<Record<string, readonly number[]>>;
  /** The run's configuration (JSON). */
  config?: unknown;
  /** Anything else the trainer wants back on resume (JSON): best score, schedule position, ... */
  extra?: Readonly<Record<string, unknown>>;
}

/** Names and shapes a checkpoint must hold (e.g. a compiled step's params and buffers). */
export interface ExpectedTensors {
  params: Readonly<Record<string, readonly number[]>>;
  buffers?: Readonly<Record<string, readonly number[]>>;
}

interface Sidecar {
  format: typeof FORMAT;
  version: number;
  model: string;
  optimizer: string | null;
  params: string[];
  epoch: number;
  step: number;
  rng: Record<string, readonly number[]>;
  config: unknown;
  extra: Record<string, unknown>;
}

const DTYPE_OF = (data: HostTensor['data']): SafetensorsDtype =>
  data instanceof Float32Array ? 'F32' : data instanceof Float64Array ? 'F64' : data instanceof BigInt64Array ? 'I64' : 'BOOL';

function toSafe(tensors: Readonly<Record<string, HostTensor>>, into: Map<string, SafeTensor>, key = (k: string) => k): void {
  for (const [k, t] of Object.entries(tensors)) {
    if (into.has(key(k))) throw new SrcacoError('usage', `checkpoint: "${key(k)}" is both a parameter and a buffer`);
    into.set(key(k), { dtype: DTYPE_OF(t.data), shape: [...t.shape], data: t.data } as SafeTensor);
  }
}

/** A file tensor as a host tensor: F32/F64/I64/BOOL bit for bit, other float types decoded to float32. */
function toHostTensor(t: SafeTensor): HostTensor {
  const keep = t.dtype === 'F32' || t.dtype === 'F64' || t.dtype === 'I64' || t.dtype === 'BOOL';
  return { shape: [...t.shape], data: keep ? (t.data as HostTensor['data']) : tensorToFloat32(t) };
}

/** Writes `data` as a checkpoint in folder `dir` (created if needed), replacing any checkpoint there. */
export async function saveCheckpoint(dir: string, data: CheckpointData): Promise<void> {
  if (!Number.isInteger(data.epoch) || !Number.isInteger(data.step) || data.epoch < 0 || data.step < 0) {
    throw new SrcacoError('usage', `checkpoint epoch and step must be non-negative integers, got ${data.epoch} and ${data.step}`);
  }
  const weights = new Map<string, SafeTensor>();
  toSafe(data.params, weights);
  toSafe(data.buffers ?? {}, weights);
  const slots = new Map<string, SafeTensor>();
  toSafe(data.optimizerState ?? {}, slots, (k) => fileSlotKey(k));
  await mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the checkpoint folder (${e.message})`, { path: dir, cause: e });
  });
  const id = randomBytes(6).toString('hex');
  const model = `model-${id}.safetensors`;
  const optimizer = slots.size ? `optimizer-${id}.safetensors` : null;
  const meta = { format: 'pt', checkpoint: id };
  await writeSafetensors(join(dir, model), weights, meta);
  if (optimizer) await writeSafetensors(join(dir, optimizer), slots, meta);
  const sidecar: Sidecar = {
    format: FORMAT,
    version: VERSION,
    model,
    optimizer,
    params: Object.keys(data.params),
    epoch: data.epoch,
    step: data.step,
    rng: { ...(data.rng ?? {}) },
    config: data.config ?? null,
    extra: { ...(data.extra ?? {}) },
  };
  await writeFileAtomic(join(dir, CHECKPOINT_JSON), JSON.stringify(sidecar, null, 1) + '\n');
  // The new checkpoint is committed; files of earlier ones are now garbage.
  for (const f of await readdir(dir)) {
    if (/^(model|optimizer)-[0-9a-f]{12}\.safetensors$/.test(f) && f !== model && f !== optimizer) await unlink(join(dir, f)).catch(() => undefined);
  }
}

/** `state/<param>/<slot>` → `<param>.<slot>`. */
function fileSlotKey(graphName: string): string {
  const m = /^state\/(.+)\/([^/]+)$/.exec(graphName);
  if (!m) throw new SrcacoError('usage', `checkpoint: optimizer state "${graphName}" is not named state/<param>/<slot>`);
  return `${m[1]}.${m[2]}`;
}

/** Reads the checkpoint in `dir`; with `expected`, its parameters and buffers must match by name and shape. */
export async function loadCheckpoint(dir: string, expected?: ExpectedTensors): Promise<CheckpointData> {
  const jsonPath = join(dir, CHECKPOINT_JSON);
  let sidecar: Sidecar;
  try {
    sidecar = JSON.parse(await readFile(jsonPath, 'utf8')) as Sidecar;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no checkpoint here' : code ? `cannot read it (${code})` : `it is not JSON (${(e as Error).message})`;
    throw new SrcacoError('input', `cannot load the checkpoint: ${why}`, { path: jsonPath, cause: e });
  }
  if (sidecar?.format !== FORMAT || typeof sidecar.model !== 'string' || !Array.isArray(sidecar.params)) {
    throw new SrcacoError('input', `not a srcaco checkpoint (format ${JSON.stringify(sidecar?.format)})`, { path: jsonPath });
  }
  if (sidecar.version > VERSION) throw new SrcacoError('input', `checkpoint version ${sidecar.version} is newer than this srcaco reads (${VERSION}); upgrade srcaco`, { path: jsonPath });
  const weights = (await readSafetensors(join(dir, sidecar.model))).tensors;
  const paramSet = new Set(sidecar.params);
  const params: Record<string, HostTensor> = {};
  const buffers: Record<string, HostTensor> = {};
  for (const [k, t] of weights) (paramSet.has(k) ? params : buffers)[k] = toHostTensor(t);
  if (expected) {
    checkTensors(join(dir, sidecar.model), { ...expected.params, ...(expected.buffers ?? {}) }, weights);
  }
  const optimizerState: Record<string, HostTensor> = {};
  if (sidecar.optimizer) {
    for (const [k, t] of (await readSafetensors(join(dir, sidecar.optimizer))).tensors) {
      const dot = k.lastIndexOf('.');
      optimizerState[stepNames.slot(k.slice(0, dot), k.slice(dot + 1))] = toHostTensor(t);
    }
  }
  return {
    params,
    buffers,
    optimizerState,
    epoch: sidecar.epoch,
    step: sidecar.step,
    rng: sidecar.rng ?? {},
    config: sidecar.config,
    extra: sidecar.extra ?? {},
  };
}

const FIRST = 5;

function listed(names: string[]): string {
  return names.slice(0, FIRST).join(', ') + (names.length > FIRST ? `, … (${names.length - FIRST} more)` : '');
}

/**
 * Throws one error listing missing, unexpected and wrongly shaped tensors (the first few of each) unless the
 * file's tensors are exactly `expected` by name and shape; `allowUnexpected` tolerates extra file tensors.
 */
export function checkTensors(
  path: string,
  expected: Readonly<Record<string, readonly number[]>>,
  found: ReadonlyMap<string, { shape: readonly number[] }>,
  { allowUnexpected = false }: { allowUnexpected?: boolean } = {},
): void {
  const missing = Object.keys(expected).filter((k) => !found.has(k));
  const unexpected = allowUnexpected ? [] : [...found.keys()].filter((k) => !Object.hasOwn(expected, k));
  const mismatched: string[] = [];
  for (const [k, shape] of Object.entries(expected)) {
    const t = found.get(k);
    if (t && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) mismatched.push(`${k} [${t.shape.join(', ')}] (expected [${shape.join(', ')}])`);
  }
  if (!missing.length && !unexpected.length && !mismatched.length) return;
  const parts = [
    missing.length ? `missing ${missing.length}: ${listed(missing)}` : '',
    unexpected.length ? `unexpected ${unexpected.length}: ${listed(unexpected)}` : '',
    mismatched.length ? `wrong shape ${mismatched.length}: ${listed(mismatched)}` : '',
  ].filter(Boolean);
  throw new SrcacoError('input', `the weights do not fit this model (${parts.join('; ')}); was it saved for another architecture or scale?`, { path });
}

/**
 * A PyTorch state_dict saved as safetensors, checked against `expected` names and shapes (extra keys, e.g.
 * num_batches_tracked, allowed with `allowUnexpected`); returns only the expected tensors, floats as float32.
 */
export async function loadStateDict(
  path: string,
  expected: Readonly<Record<string, readonly number[]>>,
  options: { allowUnexpected?: boolean } = {},
): Promise<Record<string, HostTensor>> {
  const { tensors } = await readSafetensors(path);
  checkTensors(path, expected, tensors, options);
  const out: Record<string, HostTensor> = {};
  for (const k of Object.keys(expected)) {
    const t = tensors.get(k)!;
    out[k] = t.dtype === 'I64' ? toHostTensor(t) : { shape: [...t.shape], data: tensorToFloat32(t) };
  }
  return out;
}
