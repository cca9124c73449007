import type { Plane } from '../src/image/plane.js';
import { planeTo255 } from '../src/report/display.js';

/**
 * What a pane draws: an image's 0..255 values through one display range (0 to the HR's percentile, the same
 * for every pane, as the report does), as a bitmap at the image's own resolution; the canvas scales it with
 * nearest-neighbour sampling. The ROI overlay is a separate HR-sized layer.
 */
export function displayBitmap(plane: Plane, white: number): HTMLCanvasElement {
  const bytes = planeTo255(plane, 'image');
  const c = document.createElement('canvas');
  c.width = plane.width;
  c.height = plane.height;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(plane.width, plane.height);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.round((v * 255) / Math.max(1, white)));
  for (let i = 0; i < bytes.length; i++) {
    const g = lut[bytes[i]!]!;
    img.data[4 * i] = g;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** The ROI (HR >= t on 0..255) as a translucent layer over HR-sized panes. */
export function roiBitmap(hr255: Uint8Array, width: number, height: number, t: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < hr255.length; i++) {
    if (hr255[i]! < t) continue;
    img.data[4 * i] = 255;
    img.data[4 * i + 1] = 60;
    img.data[4 * i + 2] = 200;
    img.data[4 * i + 3] = 70;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}
