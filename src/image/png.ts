import { deflateSync } from 'node:zlib';
import { SrcacoError } from '../errors.js';

/** 8-bit pixels to encode: `channels` 1 (gray) or 3 (RGB, interleaved), row-major. */
export interface PngImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 (ISO 3309, the one PNG chunks carry) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * Encodes 8-bit gray or RGB pixels as a PNG file (no interlace). Each scanline uses the filter among
 * None/Sub/Up that minimises the sum of absolute byte values (the libpng heuristic), which keeps
 * smooth microscopy crops small; `filter: 'none'` forces filter 0 everywhere.
 */
export function encodePng(image: PngImage, options: { level?: number; filter?: 'adaptive' | 'none' } = {}): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SrcacoError('usage', `a PNG needs an integer size >= 1x1, received ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3) throw new SrcacoError('usage', `a PNG here is gray (1 channel) or RGB (3), received ${channels} channels`);
  const stride = width * channels;
  if (data.length !== stride * height) {
    throw new SrcacoError('usage', `PNG pixels must be width*height*channels = ${stride * height} bytes, received ${data.length}`);
  }
  const raw = new Uint8Array((stride + 1) * height);
  const candidates = [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const dst = y * (stride + 1);
    if (options.filter === 'none') {
      raw[dst] = 0;
      raw.set(row, dst + 1);
      continue;
    }
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : undefined;
    const [none, sub, up] = candidates as [Uint8Array, Uint8Array, Uint8Array];
    none.set(row);
    for (let i = 0; i < stride; i++) {
      sub[i] = (row[i]! - (i >= channels ? row[i - channels]! : 0)) & 0xff;
      up[i] = (row[i]! - (prev ? prev[i]! : 0)) & 0xff;
    }
    // Bytes are scored as signed deltas: 255 is -1, a small residual.
    let best = 0;
    let bestCost = Infinity;
    candidates.forEach((c, f) => {
      let cost = 0;
      for (let i = 0; i < stride; i++) cost += c[i]! < 128 ? c[i]! : 256 - c[i]!;
      if (cost < bestCost) [best, bestCost] = [f, cost];
    });
    raw[dst] = best;
    raw.set(candidates[best]!, dst + 1);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // color type: gray or truecolor
  // compression, filter method and interlace stay 0
  const idat = new Uint8Array(deflateSync(raw, { level: options.level ?? 6 }));
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
