/** The LR rectangles of a viewer window run (no DOM: the tests import it). */
import type { PixelRect } from '../src/report/display.js';

/**
 * What a window run reads and keeps, in LR pixels: the LR under the HR window `hrRect`, and that plus the halo, its
 * start moved back to a multiple of `alignLr` (a window model partitions from its input's corner).
 */
export function windowRects(hrRect: PixelRect, scale: number, lr: { width: number; height: number }, haloLr: number, alignLr = 1): { keep: PixelRect; read: PixelRect } {
  const [x0, y0] = [Math.floor(hrRect.x / scale), Math.floor(hrRect.y / scale)];
  const [x1, y1] = [Math.min(lr.width, Math.ceil((hrRect.x + hrRect.width) / scale)), Math.min(lr.height, Math.ceil((hrRect.y + hrRect.height) / scale))];
  const aligned = (v: number) => Math.floor(Math.max(0, v - haloLr) / alignLr) * alignLr;
  const [rx0, ry0] = [aligned(x0), aligned(y0)];
  const [rx1, ry1] = [Math.min(lr.width, x1 + haloLr), Math.min(lr.height, y1 + haloLr)];
  return { keep: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, read: { x: rx0, y: ry0, width: rx1 - rx0, height: ry1 - ry0 } };
}
