import type { Plane } from '../image/plane.js';

/** A rectangle in pixels of a plane. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Number of pixels >= `threshold` inside `rect` (the whole plane when omitted). */
export function foregroundCount(plane: Plane, threshold: number, rect?: Rect): number {
  const { x, y, width, height } = rect ?? { x: 0, y: 0, width: plane.width, height: plane.height };
  if (x < 0 || y < 0 || x + width > plane.width || y + height > plane.height) {
    throw new RangeError(
      `rect ${width}x${height}+${x}+${y} must lie inside the ${plane.width}x${plane.height} plane`,
    );
  }
  const { data } = plane;
  let count = 0;
  for (let r = y; r < y + height; r++) {
    const start = r * plane.width + x;
    for (let k = start; k < start + width; k++) if (data[k]! >= threshold) count++;
  }
  return count;
}

/** Fraction of pixels >= `threshold` inside `rect` (the whole plane when omitted). */
export function foregroundFraction(plane: Plane, threshold: number, rect?: Rect): number {
  const area = rect ? rect.width * rect.height : plane.width * plane.height;
  return foregroundCount(plane, threshold, rect) / area;
}
