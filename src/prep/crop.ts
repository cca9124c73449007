import { planeOf, type Plane } from '../image/plane.js';
import type { Rect } from './roi.js';

/** A copy of `rect` of an 8-bit plane (rows `rect.y - rowOffset` when the plane is a band of a taller image). */
export function cropPlane(plane: Plane<Uint8Array>, rect: Rect, rowOffset = 0): Plane<Uint8Array> {
  const y = rect.y - rowOffset;
  if (rect.x < 0 || y < 0 || rect.x + rect.width > plane.width || y + rect.height > plane.height) {
    throw new RangeError(
      `crop ${rect.width}x${rect.height}+${rect.x}+${y} must lie inside the ${plane.width}x${plane.height} plane`,
    );
  }
  const out = new Uint8Array(rect.width * rect.height);
  for (let r = 0; r < rect.height; r++) {
    const start = (y + r) * plane.width + rect.x;
    out.set(plane.data.subarray(start, start + rect.width), r * rect.width);
  }
  return planeOf(rect.width, rect.height, out);
}
