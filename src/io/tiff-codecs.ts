import { inflate } from 'node:zlib';
import { promisify } from 'node:util';

const inflateAsync = promisify(inflate);

/** TIFF compression codes this reader decodes, with the names used in messages. */
export const compressionNames: ReadonlyMap<number, string> = new Map([
  [1, 'none'],
  [5, 'LZW'],
  [8, 'deflate'],
  [32946, 'deflate (old code 32946)'],
  [32773, 'PackBits'],
]);

/**
 * The most bytes one byte of data can decode to with each codec (none 1; PackBits 128 from 2; deflate's
 * 1032:1 limit; LZW's 4094-entry table of strings at 12 bits a code), so a reader can refuse dimensions no
 * file of its size could hold before allocating for them.
 */
export function maxExpansion(compression: number): number {
  return compression === 1 ? 1 : compression === 32773 ? 64 : compression === 5 ? 4096 : 1032;
}

/** Thrown by decoders on corrupt data; the reader turns it into a SrcacoError naming the file. */
export class CorruptBlockError extends Error {}

/**
 * Decompresses one strip or tile into exactly `expectedBytes` bytes (short data is zero-padded, as libtiff
 * does for truncated strips, so a damaged block cannot shift the rest of the image).
 */
export async function decompressBlock(compression: number, raw: Uint8Array, expectedBytes: number): Promise<Uint8Array> {
  let out: Uint8Array;
  switch (compression) {
    case 1:
      out = raw;
      break;
    case 5:
      out = lzwDecode(raw, expectedBytes);
      break;
    case 8:
    case 32946:
      try {
        // The async form runs on libuv's thread pool, so the blocks of one window inflate in parallel.
        // The output limit stops a deflate bomb inside one block at twice the block's size.
        out = await inflateAsync(raw, { maxOutputLength: 2 * expectedBytes + 4096 });
      } catch (e) {
        throw new CorruptBlockError(`deflate data is corrupt (${(e as Error).message})`);
      }
      break;
    case 32773:
      out = packBitsDecode(raw, expectedBytes);
      break;
    default:
      throw new CorruptBlockError(`unsupported compression ${compression}`);
  }
  if (out.length === expectedBytes) return out;
  const fitted = new Uint8Array(expectedBytes);
  fitted.set(out.length > expectedBytes ? out.subarray(0, expectedBytes) : out);
  return fitted;
}

/** TIFF LZW (MSB-first codes of 9..12 bits, early change), as in TIFF 6.0 section 13. */
export function lzwDecode(input: Uint8Array, expectedBytes: number): Uint8Array {
  if (input.length >= 2 && input[0] === 0 && (input[1]! & 1) === 1) {
    throw new CorruptBlockError('old-style (pre TIFF 6.0, LSB-first) LZW is not supported; re-save the file');
  }
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    length[i] = 1;
    first[i] = i;
  }
  let out = new Uint8Array(Math.max(expectedBytes, 16));
  let pos = 0;
  let next = 258;
  let width = 9;
  let prev = -1;
  let bitBuf = 0;
  let bitCount = 0;
  let inPos = 0;
  const totalBits = input.length * 8;
  let bitsRead = 0;

  const ensure = (extra: number): void => {
    if (pos + extra <= out.length) return;
    const grown = new Uint8Array(Math.max(out.length * 2, pos + extra));
    grown.set(out.subarray(0, pos));
    out = grown;
  };
  const emit = (code: number): void => {
    const n = length[code]!;
    ensure(n);
    let c = code;
    for (let k = pos + n - 1; k >= pos; k--) {
      out[k] = suffix[c]!;
      c = prefix[c]!;
    }
    pos += n;
  };

  while (bitsRead + width <= totalBits && pos < expectedBytes) {
    while (bitCount < width) {
      bitBuf = ((bitBuf << 8) | input[inPos++]!) >>> 0;
      bitCount += 8;
    }
    const code = (bitBuf >>> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    bitBuf &= (1 << bitCount) - 1;
    bitsRead += width;

    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    if (prev === -1) {
      if (code > 255) throw new CorruptBlockError(`LZW code ${code} follows a clear code`);
      emit(code);
      prev = code;
      continue;
    }
    let firstByte: number;
    if (code < next) {
      emit(code);
      firstByte = first[code]!;
    } else if (code === next) {
      firstByte = first[prev]!;
    } else {
      throw new CorruptBlockError(`LZW code ${code} is beyond the table (${next})`);
    }
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = firstByte;
      length[next] = length[prev]! + 1;
      first[next] = first[prev]!;
      if (code === next) emit(next);
      next++;
    } else if (code === next) {
      throw new CorruptBlockError('LZW table overflow without a clear code');
    }
    prev = code;
    // Early change: the width grows one code before the table fills, as every TIFF writer does.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out.subarray(0, pos);
}

/** PackBits run-length decoding (Apple, TIFF compression 32773). */
export function packBitsDecode(input: Uint8Array, expectedBytes: number): Uint8Array {
  const out = new Uint8Array(expectedBytes);
  let i = 0;
  let o = 0;
  while (i < input.length && o < expectedBytes) {
    const n = (input[i++]! << 24) >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, expectedBytes - o, input.length - i);
      out.set(input.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, expectedBytes - o);
      out.fill(input[i++] ?? 0, o, o + count);
      o += count;
    }
  }
  return out;
}

/**
 * Undoes horizontal differencing (predictor 2) in place on native-order samples:
 * each row holds `rowSamples` samples, `samplesPerPixel` interleaved.
 */
export function undoHorizontalPredictor(
  data: Uint8Array | Uint16Array | Uint32Array,
  rowSamples: number,
  rows: number,
  samplesPerPixel: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let k = base + samplesPerPixel; k < base + rowSamples; k++) {
      data[k] = data[k]! + data[k - samplesPerPixel]!; // typed arrays wrap, as the predictor's modular sums need
    }
  }
}

/**
 * Undoes the floating-point predictor (3): per row, bytes were split into planes (most significant first)
 * and byte-differenced. Returns the row bytes in little-endian (host) order.
 */
export function undoFloatPredictor(
  bytes: Uint8Array,
  rowSamples: number,
  rows: number,
  samplesPerPixel: number,
  bytesPerSample: number,
): Uint8Array {
  const rowBytes = rowSamples * bytesPerSample;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let k = samplesPerPixel; k < rowBytes; k++) row[k] = (row[k]! + row[k - samplesPerPixel]!) & 0xff;
    const dst = r * rowBytes;
    for (let s = 0; s < rowSamples; s++) {
      for (let b = 0; b < bytesPerSample; b++) {
        out[dst + s * bytesPerSample + (bytesPerSample - 1 - b)] = row[b * rowSamples + s]!;
      }
    }
  }
  return out;
}
