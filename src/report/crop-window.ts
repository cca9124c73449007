import type { PixelRect } from './display.js';

/** A crop window's size, or a full rectangle; without x and y the report places it (see `busiestWindow`). */
export type CropWindow = PixelRect | { width: number; height: number };

/**
 * The `width`×`height` window, at multiples of `step`, holding the most pixels >= `threshold` (the cells the
 * metrics' ROI measures), so a figure shows cells rather than background. Ties go to the first in raster order.
 * `hr255` is the HR patch on the 0..255 scale.
 */
export function busiestWindow(hr255: Uint8Array, imageWidth: number, imageHeight: number, width: number, height: number, step: number, threshold = 4): PixelRect {
  // Integral image of the foreground mask: any window's count in four lookups.
  const stride = imageWidth + 1;
  const integral = new Uint32Array(stride * (imageHeight + 1));
  for (let y = 0; y < imageHeight; y++) {
    let row = 0;
    for (let x = 0; x < imageWidth; x++) {
      row += hr255[y * imageWidth + x]! >= threshold ? 1 : 0;
      integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1]! + row;
    }
  }
  let best: PixelRect = { x: 0, y: 0, width, height };
  let bestCount = -1;
  for (let y = 0; y + height <= imageHeight; y += step) {
    for (let x = 0; x + width <= imageWidth; x += step) {
      const count =
        integral[(y + height) * stride + x + width]! - integral[y * stride + x + width]! - integral[(y + height) * stride + x]! + integral[y * stride + x]!;
      if (count > bestCount) {
        bestCount = count;
        best = { x, y, width, height };
      }
    }
  }
  return best;
}

/** Whether a window names its position. */
export function isPlaced(w: CropWindow): w is PixelRect {
  return 'x' in w && 'y' in w;
}
