/** `srcaco upscale` as a function: one TIFF in (every plane), its super-resolved TIFF out. */
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import type { Plane } from '../image/plane.js';
import { planeOf } from '../image/plane.js';
import { readTiff, writeTiff } from '../io/tiff.js';
import { lockFile } from '../io/folder-lock.js';
import { quantizeTo255 } from '../metrics/quantize.js';
import type { Model } from '../models/model.js';
import { Upscaler } from './upscaler.js';

export interface UpscaleFileOptions {
  model: Model;
  state: StateDict;
  /** Pixel type written: uint8 (clamp, ×255, round: the evaluation's quantisation) or float32 in [0, 1]. */
  dtype?: 'uint8' | 'float32';
  device?: Device;
  threads?: number;
  tileHrPx?: number;
  marginHrPx?: number;
  /** Progress over all tiles of all planes. */
  onTile?: (plane: number, done: number, total: number) => void;
}

/** Reads `inPath` (uint8 0..255 or float32 in [0, 1] planes), super-resolves every plane, writes `outPath`. */
export async function upscaleTiffFile(inPath: string, outPath: string, options: UpscaleFileOptions): Promise<{ planes: number; width: number; height: number }> {
  const lock = await lockFile(outPath, 'upscale');
  try {
    return await upscaleLocked(inPath, outPath, options);
  } finally {
    await lock.release();
  }
}

async function upscaleLocked(inPath: string, outPath: string, options: UpscaleFileOptions): Promise<{ planes: number; width: number; height: number }> {
  const planes = await readTiff(inPath);
  for (const p of planes) checkRange(p, inPath);
  const upscaler = new Upscaler(options.model, options.state, options);
  const out: Plane[] = [];
  try {
    for (const [i, p] of planes.entries()) {
      const hr = await upscaler.upscale(p, (done, total) => options.onTile?.(i, done, total));
      out.push(options.dtype === 'float32' ? hr : quantize(hr));
    }
  } finally {
    await upscaler.release();
  }
  await writeTiff(outPath, out, { compression: 'deflate' });
  return { planes: out.length, width: out[0]!.width, height: out[0]!.height };
}

function checkRange(p: Plane, path: string): void {
  if (p.data instanceof Uint16Array) {
    throw new SrcacoError('input', 'the image is 16-bit; srcaco upscale takes 8-bit images (0..255) or float32 in [0, 1]', { path });
  }
  if (p.data instanceof Float32Array) {
    let max = -Infinity;
    for (const [i, v] of p.data.entries()) {
      // NaN passes every comparison and would come out as a silently wrong prediction.
      if (!Number.isFinite(v)) throw new SrcacoError('input', `pixel (${i % p.width}, ${Math.floor(i / p.width)}) is ${v}: float images must hold finite values in [0, 1]`, { path });
      if (v > max) max = v;
    }
    if (max > 2) throw new SrcacoError('input', `float pixels reach ${max}: expected [0, 1]; divide by 255 or save as 8-bit`, { path });
  }
}

/** The evaluation's quantisation (clamp, ×255 in float32, round half to even), so metrics see these very values. */
function quantize(p: Plane<Float32Array>): Plane<Uint8Array> {
  return planeOf(p.width, p.height, quantizeTo255(p, 'prediction'));
}
