import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { encodePng } from '../image/png.js';
import type { Plane } from '../image/plane.js';
import { writeFileAtomic } from '../io/atomic.js';
import { bicubicBaseline } from '../metrics/bicubic-baseline.js';
import { cropBytes, displayWhite, planeTo255, psnr255, stretchBytes, upsampleNearestBytes, type PixelRect } from './display.js';
import { busiestWindow, isPlaced, type CropWindow } from './crop-window.js';
import { escapeHtml } from './html.js';

/**
 * One test patch shown as the paper's Fig. 7: LR, bicubic, every method and HR side by side.
 * Planes are uint8 (0..255), float32 (0..1) or uint16 (0..65535); see `planeTo255`.
 */
export interface CropSet {
  cell: string;
  scale: number;
  /** The patch's name (e.g. its HR file name), shown in the caption. */
  patchId: string;
  /** The LR patch: HR size / scale. */
  lr: Plane;
  hr: Plane;
  /** Super-resolved outputs, each HR-sized. A method named 'Bicubic' replaces the bicubic computed from `lr`. */
  predictions: Array<{ method: string; image: Plane }>;
  /**
   * The part of the patch shown, in HR pixels, a multiple of `scale` (default: the whole patch). Given as a size
   * only ({width, height}), it is placed where the HR has the most cell pixels (HR >= 4).
   */
  windowHr?: CropWindow;
}

/** One image of a rendered crop row. */
export interface CropTile {
  label: string;
  /** PNG path relative to the report folder. */
  file: string;
  /** PSNR of the crop against the HR crop (dB, every pixel of the window; null for LR and HR). */
  psnr: number | null;
}

function checkSet(set: CropSet, index: number): PixelRect {
  const where = `crop set ${index} (${set.patchId})`;
  const { lr, hr, scale } = set;
  if (!Number.isInteger(scale) || scale < 1) throw new SrcacoError('data', `${where}: the scale must be an integer >= 1, received ${scale}`);
  if (lr.width * scale !== hr.width || lr.height * scale !== hr.height) {
    throw new SrcacoError('data', `${where}: LR ${lr.width}x${lr.height} times x${scale} must equal HR ${hr.width}x${hr.height}`);
  }
  for (const p of set.predictions) {
    if (p.image.width !== hr.width || p.image.height !== hr.height) {
      throw new SrcacoError('data', `${where}: ${p.method} is ${p.image.width}x${p.image.height}, the HR is ${hr.width}x${hr.height}`);
    }
  }
  const given = set.windowHr ?? { x: 0, y: 0, width: hr.width, height: hr.height };
  const fits = given.width >= 1 && given.height >= 1 && given.width <= hr.width && given.height <= hr.height;
  const w = isPlaced(given) || !fits ? { x: 0, y: 0, ...given } : busiestWindow(planeTo255(hr, 'HR'), hr.width, hr.height, given.width, given.height, scale);
  const inside = w.x >= 0 && w.y >= 0 && w.width >= 1 && w.height >= 1 && w.x + w.width <= hr.width && w.y + w.height <= hr.height;
  const aligned = [w.x, w.y, w.width, w.height].every((v) => Number.isInteger(v) && v % scale === 0);
  if (!inside || !aligned) {
    throw new SrcacoError('data', `${where}: the window ${JSON.stringify(w)} must lie inside the ${hr.width}x${hr.height} HR and be a multiple of x${scale}`);
  }
  return w;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * Writes each crop row's images as PNGs under `outDir/crops/` and returns the rows with their PSNRs.
 * Display: every image of a row goes through the same linear stretch (HR 99.9th percentile to white);
 * PSNRs are measured before it, on the 0..255 values, so they match the metrics' scale.
 */
export async function writeCropRows(sets: readonly CropSet[], outDir: string): Promise<Array<{ set: CropSet; window: PixelRect; white: number; tiles: CropTile[] }>> {
  const rows = [];
  for (const [index, set] of sets.entries()) {
    const win = checkSet(set, index);
    const s = set.scale;
    const hr = cropBytes(planeTo255(set.hr, 'HR'), set.hr.width, win);
    const lrWin = { x: win.x / s, y: win.y / s, width: win.width / s, height: win.height / s };
    const lr = upsampleNearestBytes(cropBytes(planeTo255(set.lr, 'LR'), set.lr.width, lrWin), lrWin.width, lrWin.height, s);
    const given = set.predictions.find((p) => p.method.toLowerCase() === 'bicubic');
    const bicubic = given?.image ?? bicubicBaseline(set.lr, s);
    const images: Array<{ label: string; key: string; bytes: Uint8Array; measured: boolean }> = [
      { label: `LR (x${s}, nearest)`, key: 'LR', bytes: lr, measured: false },
      { label: given?.method ?? 'Bicubic', key: 'Bicubic', bytes: cropBytes(planeTo255(bicubic, 'bicubic'), set.hr.width, win), measured: true },
      ...set.predictions
        .filter((p) => p !== given)
        .map((p) => ({ label: p.method, key: p.method, bytes: cropBytes(planeTo255(p.image, p.method), set.hr.width, win), measured: true })),
      { label: 'HR', key: 'HR', bytes: hr, measured: false },
    ];
    const white = displayWhite(hr);
    const tiles: CropTile[] = [];
    for (const [k, im] of images.entries()) {
      const file = `crops/${index}_${slug(set.cell)}_x${s}_${k}_${slug(im.key)}.png`;
      const png = encodePng({ width: win.width, height: win.height, channels: 1, data: stretchBytes(im.bytes, white) });
      await writeFileAtomic(join(outDir, file), png);
      tiles.push({ label: im.label, file, psnr: im.measured ? psnr255(im.bytes, hr) : null });
    }
    rows.push({ set, window: win, white, tiles });
  }
  return rows;
}

/** The HTML of rendered crop rows: one figure per row, PSNR under each image. */
export function cropRowsHtml(rows: Awaited<ReturnType<typeof writeCropRows>>): string {
  return rows
    .map(({ set, window: w, white, tiles }) => {
      const figs = tiles
        .map(
          (t) =>
            `<figure class="crop"><img src="${escapeHtml(t.file)}" alt="${escapeHtml(t.label)}" width="${w.width}" height="${w.height}">` +
            `<figcaption>${escapeHtml(t.label)}<br><span class="psnr">${t.psnr === null ? '&nbsp;' : `${t.psnr.toFixed(2)} dB`}</span></figcaption></figure>`,
        )
        .join('');
      const whole = w.x === 0 && w.y === 0 && w.width === set.hr.width && w.height === set.hr.height;
      const where = whole ? `whole patch ${w.width}x${w.height}` : `window x=${w.x}, y=${w.y}, ${w.width}x${w.height} HR px`;
      return (
        `<div class="crop-row"><p class="crop-caption">${escapeHtml(set.cell)}, x${set.scale}: ${escapeHtml(set.patchId)} (${where}; ` +
        `display stretched so ${white} maps to white)</p><div class="crop-images">${figs}</div></div>`
      );
    })
    .join('\n');
}
