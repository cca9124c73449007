/**
 * PyTorch checkpoints (`torch.save`), read without Python and without running anything they name.
 *
 * The zip format (torch >= 1.6): `<prefix>/data.pkl` pickles the object, each tensor as
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` whose storage is a persistent id
 * `('storage', torch.FloatStorage, key, location, numel)` naming the entry `<prefix>/data/<key>` (raw
 * little-endian elements). The legacy format (torch < 1.6) is five pickles in a row (magic number, protocol
 * version, system info, the object, the list of storage keys) followed by each storage as an int64 element count
 * and its bytes, in that list's order.
 *
 * Tensors are read with their offsets and strides (views, transposes, shared storages), copied row-major. The
 * state_dict may be the whole object or nested under one key (see NEST_KEYS); a `module.` prefix that every name
 * carries (nn.DataParallel) is removed.
 */
import { readFile } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { PickleDict, isTuple, unpickle, type PickleGlobal } from './pickle.js';
import { elementBytes, tensorFromBytes, type SafeTensor, type SafetensorsDtype } from './safetensors.js';
import { ZipArchive, isZip } from './zip.js';

/** Where training scripts nest a state_dict, in the order tried (the original SR-CACO-2 code loads `params`). */
export const NEST_KEYS = ['params', 'params_ema', 'state_dict', 'model', 'netG'] as const;

export interface PthContent {
  /** Tensors by state_dict name, in file order, row-major copies. */
  readonly tensors: Map<string, SafeTensor>;
  /** The key the state_dict was nested under, if it was. */
  readonly nestedKey?: string;
  /** Whether every name carried a `module.` prefix, now removed. */
  readonly strippedModulePrefix: boolean;
  readonly format: 'zip' | 'legacy';
}

const STORAGE_DTYPES: Record<string, SafetensorsDtype> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

/** A storage type global (`torch.FloatStorage`): only ever an argument of a persistent id. */
interface StorageType extends PickleGlobal {
  readonly dtype: SafetensorsDtype;
}

/** A storage a persistent id names; `bytes` is filled once the storages are read. */
interface StorageRef {
  readonly key: string;
  readonly dtype: SafetensorsDtype;
  readonly numel: number;
  /** Legacy views of a storage: the element offset of the view in its root storage. */
  readonly viewOffset: number;
  bytes?: Uint8Array;
}

/** A tensor as the pickle describes it, materialised after the storages are read. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** Whether the bytes start like a checkpoint of either format. */
export function isPth(bytes: Uint8Array): boolean {
  // Legacy: PROTO 2, LONG1 of 10 bytes (the magic number).
  return isZip(bytes) || (bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a);
}

/** Parses a checkpoint held in memory; `path` only names the file in errors. */
export function parsePth(bytes: Uint8Array, path?: string): PthContent {
  const fail = (msg: string): never => {
    throw new SrcacoError('input', msg, { path });
  };
  const storages = new Map<string, StorageRef>();
  const ints = (v: unknown, what: string): number[] => {
    if (!isTuple(v) || !v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`a tensor's ${what} is not a tuple of integers ≥ 0`);
    return [...(v as number[])];
  };
  const rebuildTensor = (args: readonly unknown[]) => {
    const [storage, offset, size, stride] = args;
    if (!(typeof storage === 'object' && storage !== null && 'numel' in storage)) fail('a tensor is rebuilt from something that is not a storage');
    if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail('a tensor has an invalid storage offset');
    const shape = ints(size, 'size');
    const strides = ints(stride, 'stride');
    if (shape.length !== strides.length) fail(`a tensor has ${shape.length} sizes but ${strides.length} strides`);
    return new TensorRef(storage as StorageRef, offset as number, shape, strides);
  };
  const callables: Record<string, PickleGlobal['call']> = {
    'collections.OrderedDict': (args) => {
      if (args.length > 0) fail('collections.OrderedDict is called with arguments');
      return new PickleDict();
    },
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    // A Parameter is its data; requires_grad and hooks do not matter for weights.
    'torch._utils._rebuild_parameter': (args) => args[0],
    'torch._utils._rebuild_parameter_with_state': (args) => args[0],
  };
  const global = (name: string): PickleGlobal | undefined => {
    const call = callables[name];
    if (call) return { global: name, call };
    const storage = /^torch\.(\w+)$/.exec(name)?.[1];
    if (storage && storage in STORAGE_DTYPES) return { global: name, dtype: STORAGE_DTYPES[storage]! } as StorageType;
    return undefined;
  };
  const allowedWhat = "collections.OrderedDict, torch._utils' tensor and parameter rebuilders and the torch storage types";
  // ('storage', type, key, location, numel[, view_metadata])
  const persistentLoad = (pid: unknown) => {
    if (!isTuple(pid) || pid[0] !== 'storage' || pid.length < 5) fail('a persistent id that is not a storage record');
    const [, type, key, , numel, view] = pid as unknown[];
    const dtype = (type as Partial<StorageType> | null)?.dtype;
    if (!dtype || typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) fail(`storage record ${String(key)} is malformed`);
    let root = storages.get(key as string);
    if (!root) storages.set(key as string, (root = { key: key as string, dtype: dtype!, numel: numel as number, viewOffset: 0 }));
    if (root.dtype !== dtype) fail(`storage ${String(key)} is read as two different types`);
    if (view === undefined || view === null) return root;
    // Legacy storage views: (view key, element offset, element count) into the root storage.
    const [, viewOffset, viewSize] = isTuple(view) ? view : [];
    if (!Number.isSafeInteger(viewOffset) || !Number.isSafeInteger(viewSize) || (viewOffset as number) + (viewSize as number) > root.numel) {
      fail(`a view of storage ${String(key)} lies outside it`);
    }
    return { get bytes() { return root!.bytes; }, key: root.key, dtype, numel: root.numel, viewOffset: viewOffset as number } as StorageRef;
  };
  const options = { global, persistentLoad, allowedWhat, path };

  let value: unknown;
  let format: PthContent['format'];
  if (isZip(bytes)) {
    format = 'zip';
    const zip = new ZipArchive(bytes, path);
    const pkl = zip.names().filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
    if (pkl.length !== 1) fail(`a zip file holding ${pkl.length === 0 ? 'no' : 'several'} data.pkl: not a torch.save checkpoint`);
    const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
    const order = zip.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
    if (order !== 'little') fail(`a ${order}-endian checkpoint; load and save it again with PyTorch on a little-endian machine`);
    value = unpickle(zip.read(pkl[0]!), options).value;
    for (const s of storages.values()) s.bytes = zip.read(`${prefix}data/${s.key}`);
  } else if (isPth(bytes)) {
    format = 'legacy';
    const header = { global: () => undefined, allowedWhat: 'no global', path };
    let r = unpickle(bytes, header);
    if (r.value !== LEGACY_MAGIC) fail('not a PyTorch checkpoint (wrong magic number)');
    r = unpickle(bytes, header, r.end);
    if (r.value !== LEGACY_PROTOCOL) fail(`legacy checkpoint protocol ${String(r.value)}; only ${LEGACY_PROTOCOL} is read`);
    r = unpickle(bytes, header, r.end);
    const sys = r.value instanceof PickleDict ? r.value.entries : undefined;
    if (sys?.get('little_endian') !== true) fail('a big-endian legacy checkpoint; load and save it again with PyTorch on a little-endian machine');
    r = unpickle(bytes, options, r.end);
    value = r.value;
    r = unpickle(bytes, header, r.end);
    const keys = r.value;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) fail('the legacy storage list is damaged');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = r.end;
    for (const key of keys as string[]) {
      const s = storages.get(key);
      if (!s) fail(`the legacy storage list names storage ${key}, which no tensor uses`);
      if (p + 8 > bytes.length) fail(`storage ${key} is cut short (truncated file?)`);
      const numel = Number(view.getBigInt64(p, true));
      const n = numel * elementBytes(s!.dtype);
      if (numel !== s!.numel || p + 8 + n > bytes.length) fail(`storage ${key} holds ${numel} elements, its record says ${s!.numel} (truncated or damaged file?)`);
      s!.bytes = bytes.subarray(p + 8, p + 8 + n);
      p += 8 + n;
    }
  } else {
    return fail('not a PyTorch checkpoint (neither a zip archive nor a legacy pickle with the torch magic number)');
  }

  const { dict, nestedKey } = stateDictOf(value, fail);
  let entries = [...dict.entries];
  const strippedModulePrefix = entries.length > 0 && entries.every(([k]) => typeof k === 'string' && k.startsWith('module.'));
  if (strippedModulePrefix) entries = entries.map(([k, v]) => [(k as string).slice('module.'.length), v]);
  let storedElements = 0;
  for (const s of storages.values()) storedElements += s.numel;
  // Views may repeat elements (expand), but a file may not make us allocate far more than it holds.
  let budget = 4 * storedElements + 2 ** 20;
  const tensors = new Map<string, SafeTensor>();
  for (const [name, ref] of entries) {
    if (typeof name !== 'string') fail(`the state_dict has a key that is not a string (${String(name)})`);
    if (!(ref instanceof TensorRef)) fail(`state_dict entry '${name}' is not a tensor`);
    const t = materialize(ref as TensorRef, name as string, fail);
    budget -= t.data.length;
    if (budget < 0) fail(`tensor '${name}' and those before it view far more elements than the file stores`);
    tensors.set(name as string, t);
  }
  return { tensors, nestedKey, strippedModulePrefix, format };
}

/** The state_dict: the object itself when it maps names to tensors, else the first of NEST_KEYS that does. */
function stateDictOf(value: unknown, fail: (msg: string) => never): { dict: PickleDict; nestedKey?: string } {
  if (!(value instanceof PickleDict)) fail('the checkpoint is not a dict of tensors (a whole pickled model is not read: save its state_dict())');
  const top = value as PickleDict;
  const allTensors = (d: PickleDict) => [...d.entries.values()].every((v) => v instanceof TensorRef);
  if (top.entries.size > 0 && allTensors(top)) return { dict: top };
  for (const key of NEST_KEYS) {
    const inner = top.entries.get(key);
    if (inner instanceof PickleDict && allTensors(inner)) return { dict: inner, nestedKey: key };
  }
  const keys = [...top.entries.keys()].slice(0, 8).map(String).join(', ');
  return fail(`holds no state_dict: its top-level keys are ${keys || 'none'}, and none of ${NEST_KEYS.join(', ')} maps names to tensors`);
}

/** A row-major copy of the elements a tensor views in its storage. */
function materialize(ref: TensorRef, name: string, fail: (msg: string) => never): SafeTensor {
  const { storage, shape, stride } = ref;
  const bytes = storage.bytes;
  const eb = elementBytes(storage.dtype);
  if (!bytes || bytes.length < storage.numel * eb) fail(`tensor '${name}': its storage ${storage.key} holds ${bytes?.length ?? 0} bytes, its record says ${storage.numel * eb}`);
  const offset = storage.viewOffset + ref.offset;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return tensorFromBytes(storage.dtype, shape, new Uint8Array(0));
  const last = offset + shape.reduce((a, d, i) => a + (d - 1) * stride[i]!, 0);
  if (last >= storage.numel) fail(`tensor '${name}' reaches element ${last} of its storage ${storage.key}, which holds ${storage.numel}`);
  let contiguous = true;
  for (let i = shape.length - 1, step = 1; i >= 0; step *= shape[i]!, i--) if (shape[i]! > 1 && stride[i] !== step) contiguous = false;
  if (contiguous) return tensorFromBytes(storage.dtype, shape, bytes!.subarray(offset * eb, (offset + numel) * eb));
  const out = new Uint8Array(numel * eb);
  const index = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let k = 0; k < numel; k++) {
    out.set(bytes!.subarray(src * eb, src * eb + eb), k * eb);
    // Advance the row-major index, moving the storage position by the strides.
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++index[i]! < shape[i]!) {
        src += stride[i]!;
        break;
      }
      src -= (shape[i]! - 1) * stride[i]!;
      index[i] = 0;
    }
  }
  return tensorFromBytes(storage.dtype, shape, out);
}

/** Reads a checkpoint file (see parsePth). */
export async function readPth(path: string): Promise<PthContent> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SrcacoError('input', `cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? e})`, { path, cause: e });
  }
  return parsePth(bytes, path);
}
