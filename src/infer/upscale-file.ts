/**
 * `srcaco upscale` as a function: one TIFF in (every plane), its super-resolved pyramidal OME-TIFF out, streamed.
 * The input is read band by band (LR rows the band owns plus the model's halo above and below), each band runs
 * in tiles across, its owned HR rows go straight to the writer: memory holds a few bands, whatever the image.
 */
import { basename, dirname } from 'node:path';
import { removeTemporaries } from '../io/atomic.js';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import type { Plane } from '../image/plane.js';
import { planeOf } from '../image/plane.js';
import { OmeTiffWriter, openTiff, type TiffFile } from '../io/tiff.js';
import { lockFile } from '../io/folder-lock.js';
import { quantizeTo255 } from '../metrics/quantize.js';
import type { Model } from '../models/model.js';
import { axisTiles } from './tiles.js';
import { Upscaler } from './upscaler.js';
import { warnOnStderr } from '../util/warn.js';

export interface UpscaleFileOptions {
  model: Model;
  state: StateDict;
  /** Pixel type written: uint8 (clamp, ×255, round: the evaluation's quantisation) or float32 in [0, 1]. */
  dtype?: 'uint8' | 'float32';
  device?: Device;
  threads?: number;
  /** Where a warning goes (tiles of a model with global context); default: a `srcaco: warning:` line on stderr. */
  onWarning?: (message: string) => void;
  /** HR pixels each model run owns along a side (default 512); the model's halo is read beyond it. */
  tileHrPx?: number;
  /** Context in LR pixels (default: the model's receptive field, so the output equals whole-image inference). */
  haloLrPx?: number;
  /** The input's pixel size in µm (default: from its resolution tags); the output's is this divided by the scale. */
  pixelSizeUm?: number;
  /** OME channel names, one per plane. */
  channelNames?: readonly string[];
  /** Progress over all bands of all planes. */
  onBand?: (done: number, total: number) => void;
}

export interface UpscaleFileResult {
  planes: number;
  width: number;
  height: number;
  /** Output pixel size in µm, when the input's is known. */
  pixelSizeUm?: number;
  bigTiff: boolean;
}

/** Reads `inPath` (uint8 0..255 or float32 in [0, 1] planes), super-resolves every plane into the OME-TIFF `outPath`. */
export async function upscaleTiffFile(inPath: string, outPath: string, options: UpscaleFileOptions): Promise<UpscaleFileResult> {
  // One writer per output file (several upscales may share a folder).
  const lock = await lockFile(outPath, 'upscale');
  try {
    await removeTemporaries(dirname(outPath), basename(outPath));
    return await upscaleLocked(inPath, outPath, options);
  } finally {
    await lock.release();
  }
}

async function upscaleLocked(inPath: string, outPath: string, options: UpscaleFileOptions): Promise<UpscaleFileResult> {
  const file = await openTiff(inPath);
  try {
    const { width, height } = planeSize(file);
    const s = options.model.scale;
    const upscaler = new Upscaler(options.model, options.state, options);
    upscaler.checkLrSize(width, height, inPath);
    const tiling = upscaler.tilingWarning(width, height);
    if (tiling) (options.onWarning ?? warnOnStderr)(tiling);
    const halo = upscaler.haloLr;
    // Bands of `tileLr` owned rows, each read with the halo above and below (shifted inside at the image edges).
    const bands = axisTiles(height, upscaler.tileLr + 2 * halo, halo, upscaler.tileAlignLr);
    const lrSize = options.pixelSizeUm ?? file.pixelSizeUm();
    const pixelSizeUm = lrSize === undefined ? undefined : lrSize / s;
    const writer = await OmeTiffWriter.create(outPath, {
      width: width * s,
      height: height * s,
      planes: file.planes.length,
      pixelType: options.dtype ?? 'uint8',
      compression: 'deflate',
      pixelSizeUm,
      channelNames: options.channelNames,
      name: basename(outPath).replace(/\.ome\.tiff?$|\.tiff?$/i, ''),
    });
    try {
      let done = 0;
      const total = bands.length * file.planes.length;
      for (let p = 0; p < file.planes.length; p++) {
        for (const band of bands) {
          const lr = await file.readWindow(p, { x: 0, y: band.start, width, height: band.size });
          checkRange(lr, inPath, band.start);
          const hr = await upscaler.upscale(lr);
          const owned = planeOf(width * s, (band.ownEnd - band.ownBegin) * s, hr.data.subarray((band.ownBegin - band.start) * s * width * s, (band.ownEnd - band.start) * s * width * s));
          await writer.writeRows(options.dtype === 'float32' ? owned.data : quantizeTo255(owned, 'prediction'));
          options.onBand?.(++done, total);
        }
      }
    } catch (e) {
      await writer.abort();
      throw e;
    } finally {
      await upscaler.release();
    }
    await writer.finish();
    return { planes: file.planes.length, width: width * s, height: height * s, bigTiff: writer.bigTiff, ...(pixelSizeUm === undefined ? {} : { pixelSizeUm }) };
  } finally {
    await file.close();
  }
}

/** The common size of every plane; planes of different sizes are refused. */
function planeSize(file: TiffFile): { width: number; height: number } {
  const pages = file.planes.map((ref) => file.pages[ref.page]!);
  const { width, height } = pages[0]!;
  const other = pages.find((p) => p.width !== width || p.height !== height);
  if (other) throw new SrcacoError('input', `planes differ in size (${width}x${height} and ${other.width}x${other.height}); upscale them as separate files`, { path: file.path });
  return { width, height };
}

/** Refuses 16-bit images, non-finite floats (naming the pixel; `y0` is the window's first row) and floats past [0, 2]. */
function checkRange(p: Plane, path: string, y0: number): void {
  if (p.data instanceof Uint16Array) {
    throw new SrcacoError('input', 'the image is 16-bit; srcaco upscale takes 8-bit images (0..255) or float32 in [0, 1]', { path });
  }
  if (p.data instanceof Float32Array) {
    let max = -Infinity;
    for (const [i, v] of p.data.entries()) {
      // NaN passes every comparison and would come out as a silently wrong prediction.
      if (!Number.isFinite(v)) throw new SrcacoError('input', `pixel (${i % p.width}, ${y0 + Math.floor(i / p.width)}) is ${v}: float images must hold finite values in [0, 1]`, { path });
      if (v > max) max = v;
    }
    if (max > 2) throw new SrcacoError('input', `float pixels reach ${max}: expected [0, 1]; divide by 255 or save as 8-bit`, { path });
  }
}
