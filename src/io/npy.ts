/** NumPy `.npy` (format 1.0) for float32 arrays: what bioimage.io packages carry as test tensors. */
import { SrcacoError } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The `.npy` bytes of a C-order little-endian float32 array of `shape`. */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new SrcacoError('internal', `npy shape [${shape.join(', ')}] holds ${n} values, the data ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic, version, header length and header end on a multiple of 64 bytes, the header with a newline.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC);
  out.set([1, 0], 6);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Reads a float32 C-order `.npy` (format 1.x or 2.x); anything else is one clear error. */
export function decodeNpy(bytes: Uint8Array, path?: string): { shape: number[]; data: Float32Array } {
  const bad = (why: string) => new SrcacoError('input', `not a float32 .npy array: ${why}`, { path });
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('no NUMPY magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerAt = major === 1 ? 10 : 12;
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerAt + length > bytes.length) throw bad('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(headerAt, headerAt + length));
  if (!/'descr':\s*'<f4'/.test(header)) throw bad(`dtype ${/'descr':\s*'([^']*)'/.exec(header)?.[1] ?? '?'} (only <f4)`);
  if (/'fortran_order':\s*True/.test(header)) throw bad('Fortran order');
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = dims.split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = headerAt + length;
  if (bytes.length - start !== 4 * n) throw bad(`${bytes.length - start} data bytes for shape (${shape.join(', ')})`);
  // A copy: a Node Buffer's slice is a view of its (pooled) memory, whose .buffer holds other bytes too.
  return { shape, data: new Float32Array(Uint8Array.prototype.slice.call(bytes, start).buffer) };
}
