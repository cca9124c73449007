import { readFile } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then the raw
 * little-endian tensor bytes. Checkpoints and the original PyTorch weights use it.
 */

const ELEMENT_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
} as const;
export type SafetensorsDtype = keyof typeof ELEMENT_BYTES;

/** Typed storage per dtype; F16 and BF16 stay as raw 16-bit words (see `tensorToFloat32`). */
export interface TensorArrays {
  F64: Float64Array; F32: Float32Array; F16: Uint16Array; BF16: Uint16Array; I64: BigInt64Array; I32: Int32Array;
  I16: Int16Array; I8: Int8Array; U64: BigUint64Array; U32: Uint32Array; U16: Uint16Array; U8: Uint8Array; BOOL: Uint8Array;
}
const ARRAYS: { [D in SafetensorsDtype]: new (buffer: ArrayBuffer, offset?: number, length?: number) => TensorArrays[D] } = {
  F64: Float64Array, F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I64: BigInt64Array, I32: Int32Array,
  I16: Int16Array, I8: Int8Array, U64: BigUint64Array, U32: Uint32Array, U16: Uint16Array, U8: Uint8Array, BOOL: Uint8Array,
};

export interface SafeTensor<D extends SafetensorsDtype = SafetensorsDtype> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TensorArrays[D];
}

export interface SafetensorsContent {
  /** Tensors by name, in file order. */
  readonly tensors: Map<string, SafeTensor>;
  readonly metadata: Record<string, string>;
}

const MAX_HEADER_BYTES = 100 * 2 ** 20;

/** Parses a safetensors buffer, checking every offset; `path` only names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, path?: string): SafetensorsContent {
  const fail = (msg: string): never => {
    throw new SrcacoError('input', `not a valid safetensors file: ${msg}`, { path });
  };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = Number(view.getBigUint64(0, true));
  if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > bytes.length) fail(`header length ${headerBytes} exceeds the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (e) {
    fail(`the header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const data = bytes.subarray(8 + headerBytes);
  const entries = Object.entries(header as Record<string, unknown>);
  const metadata: Record<string, string> = {};
  const spans: Array<{ name: string; begin: number; end: number; dtype: SafetensorsDtype; shape: number[] }> = [];
  for (const [name, info] of entries) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(info as object)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) fail(`tensor '${name}' has no description`);
    const dtype = t.dtype as SafetensorsDtype;
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(t.dtype)}`);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape`);
    const offs = t.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has invalid data_offsets`);
    }
    const [begin, end] = offs as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * ELEMENT_BYTES[dtype];
    if (end - begin !== expected) fail(`tensor '${name}' spans ${end - begin} bytes, its shape and dtype need ${expected}`);
    if (end > data.length) fail(`tensor '${name}' ends at byte ${end}, beyond the ${data.length} data bytes (truncated file?)`);
    spans.push({ name, begin, end, dtype, shape: shape as number[] });
  }
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]!.begin < sorted[k - 1]!.end) fail(`tensors '${sorted[k - 1]!.name}' and '${sorted[k]!.name}' overlap`);
  }
  const tensors = new Map<string, SafeTensor>();
  for (const s of sorted) tensors.set(s.name, tensorFromBytes(s.dtype, s.shape, data.subarray(s.begin, s.end)));
  return { tensors, metadata };
}

/** Bytes of one element of a dtype. */
export function elementBytes(dtype: SafetensorsDtype): number {
  return ELEMENT_BYTES[dtype];
}

/** A tensor over a copy of its little-endian bytes (row-major; the length must fit the shape). */
export function tensorFromBytes(dtype: SafetensorsDtype, shape: readonly number[], bytes: Uint8Array): SafeTensor {
  // A copy: a file's data is rarely aligned for the typed array, and copying keeps bits exact.
  const copy = new Uint8Array(bytes); // not .slice(): on a Buffer it is a view
  return { dtype, shape, data: new ARRAYS[dtype](copy.buffer, 0, bytes.length / ELEMENT_BYTES[dtype]) } as SafeTensor;
}

/**
 * Serializes tensors as the reference writer does: `__metadata__` first, data ordered by element size (largest
 * first) then name, header padded with spaces so the data starts 8-byte aligned.
 */
export function serializeSafetensors(tensors: TensorSet, metadata?: Record<string, string>): Uint8Array {
  return Buffer.concat(safetensorsChunks(tensors, metadata));
}

type TensorSet = ReadonlyMap<string, SafeTensor> | Record<string, SafeTensor>;

function safetensorsChunks(tensors: TensorSet, metadata?: Record<string, string>): Uint8Array[] {
  const list: Array<[string, SafeTensor]> = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new SrcacoError('usage', "a tensor cannot be named '__metadata__'");
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (!(t.dtype in ELEMENT_BYTES)) throw new SrcacoError('usage', `tensor '${name}': unsupported dtype ${t.dtype}`);
    if (!(t.data instanceof ARRAYS[t.dtype]) || t.data.length !== n) {
      throw new SrcacoError('usage', `tensor '${name}': ${t.dtype} of shape [${t.shape.join(', ')}] needs a ${ARRAYS[t.dtype].name} of ${n} elements`);
    }
  }
  list.sort(([a, ta], [b, tb]) => ELEMENT_BYTES[tb.dtype] - ELEMENT_BYTES[ta.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const [name, t] of list) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // host is little-endian
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (raw.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(head.length), true);
  return [prefix, head, ...blobs];
}

/** Reads a .safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SrcacoError('input', `cannot read the safetensors file (${(e as NodeJS.ErrnoException).code ?? e})`, { path, cause: e });
  }
  return parseSafetensors(bytes, path);
}

/** Writes a .safetensors file atomically (temporary name, then rename). */
export async function writeSafetensors(
  path: string,
  tensors: TensorSet,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, safetensorsChunks(tensors, metadata));
}

/** A tensor's values as float32 (F16 and BF16 decoded exactly; wider types rounded). */
export function tensorToFloat32(t: SafeTensor): Float32Array {
  if (t.dtype === 'F32') return t.data as Float32Array;
  if (t.dtype === 'BF16') {
    const words = t.data as Uint16Array;
    const bits = new Uint32Array(words.length);
    for (let i = 0; i < words.length; i++) bits[i] = words[i]! << 16;
    return new Float32Array(bits.buffer);
  }
  if (t.dtype === 'F16') return Float32Array.from(t.data as Uint16Array, halfToFloat);
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]!);
  return out;
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
