import { createPlane, type Plane, type PixelArray, pixelTypeOf } from './plane.js';
import { checkOutSize } from './resize-separable.js';

/** PyTorch 'nearest' source index: floor(dst * in/out) in float32, clamped; 2x exact. */
export function nearestSourceIndex(dst: number, inSize: number, outSize: number, scaleFactor?: number): number {
  if (outSize === inSize) return dst;
  if (outSize === 2 * inSize) return dst >> 1;
  const scale = Math.fround(scaleFactor ? 1 / scaleFactor : inSize / outSize);
  return Math.min(Math.floor(Math.fround(dst * scale)), inSize - 1);
}

/** PyTorch `F.interpolate(x, size=(height, width), mode='nearest')`; keeps the pixel type. */
export function resizeNearest<T extends PixelArray>(
  plane: Plane<T>,
  width: number,
  height: number,
  options: { scaleFactor?: number } = {},
): Plane<T> {
  checkOutSize(width, height);
  const out = createPlane(width, height, pixelTypeOf(plane.data)) as unknown as Plane<T>;
  const xs = Int32Array.from({ length: width }, (_, x) => nearestSourceIndex(x, plane.width, width, options.scaleFactor));
  for (let y = 0; y < height; y++) {
    const sy = nearestSourceIndex(y, plane.height, height, options.scaleFactor);
    const src = sy * plane.width;
    const dst = y * width;
    for (let x = 0; x < width; x++) out.data[dst + x] = plane.data[src + xs[x]];
  }
  return out;
}
