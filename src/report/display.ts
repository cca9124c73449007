import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { psnrFromMse } from '../metrics/pair-metrics.js';
import { quantizeTo255 } from '../metrics/quantize.js';

/**
 * A plane as 0..255 integers, the values the metrics measure: uint8 as it is, float32 (0..1)
 * clamped and scaled by 255 (rounded half to even, as `quantizeTo255`), uint16 divided by 257
 * (0..65535 onto 0..255, rounded).
 */
export function planeTo255(plane: Plane, what: string): Uint8Array {
  if (plane.data instanceof Uint16Array) {
    const out = new Uint8Array(plane.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(plane.data[i]! / 257);
    return out;
  }
  return quantizeTo255(plane, what);
}

/** A rectangle in pixels. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The pixels of `rect` out of a row-major `width`-wide image (8-bit here; the viewer crops LR planes of any type). */
export function cropBytes<T extends Uint8Array | Uint16Array | Float32Array>(data: T, width: number, rect: PixelRect): T {
  const out = new (data.constructor as new (n: number) => T)(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const src = (rect.y + y) * width + rect.x;
    out.set(data.subarray(src, src + rect.width), y * rect.width);
  }
  return out;
}

/** Nearest-neighbour upsampling by an integer factor (each LR pixel becomes a factor x factor block). */
export function upsampleNearestBytes(data: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  const w = width * factor;
  const out = new Uint8Array(w * height * factor);
  for (let y = 0; y < height * factor; y++) {
    const src = Math.floor(y / factor) * width;
    const dst = y * w;
    for (let x = 0; x < w; x++) out[dst + x] = data[src + Math.floor(x / factor)]!;
  }
  return out;
}

/** PSNR (dB, 0..255 scale, the metrics' floor on a zero error) of two equally long 8-bit images, every pixel counted. */
export function psnr255(pred: Uint8Array, truth: Uint8Array): number {
  if (pred.length !== truth.length) throw new SrcacoError('data', `cannot compare images of ${pred.length} and ${truth.length} pixels`);
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - truth[i]!;
    s += d * d;
  }
  return psnrFromMse(s / pred.length);
}

/**
 * The display white point of a crop row: the HR's 99.9th percentile (or the `fraction` quantile; at least 1), so dim
 * cells are visible. The same linear map is applied to every image of the row, so they stay comparable.
 */
export function displayWhite(hr: Uint8Array, fraction = 0.999): number {
  const hist = new Uint32Array(256);
  for (const v of hr) hist[v]!++;
  const target = Math.ceil(hr.length * fraction);
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= target) return Math.max(1, v);
  }
  return 255;
}

/** Linear contrast stretch for display: 0 stays 0, `white` and above become 255. */
export function stretchBytes(data: Uint8Array, white: number): Uint8Array {
  if (white >= 255) return data;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.round((v * 255) / white));
  return data.map((v) => lut[v]!);
}
