/**
 * The 8 symmetries of the square, numbered as the original's `augment_img` (KAIR) numbers them, so that a mode
 * means the same transform here and there:
 *   0 identity · 1 flipud(rot90) = transpose · 2 flipud · 3 rot90 ×3 (clockwise) · 4 flipud(rot180) = fliplr ·
 *   5 rot90 (counter-clockwise) · 6 rot180 · 7 flipud(rot90 ×3) = anti-transpose
 * (rot90 as numpy's: counter-clockwise, out[i][j] = in[j][W-1-i]).
 */
export type DihedralMode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Whether a mode swaps width and height. */
export function dihedralSwapsAxes(mode: DihedralMode): boolean {
  return mode === 1 || mode === 3 || mode === 5 || mode === 7;
}

/** The mode that undoes `mode`. */
export function inverseDihedral(mode: DihedralMode): DihedralMode {
  return mode === 3 ? 5 : mode === 5 ? 3 : mode;
}

/**
 * Applies a dihedral transform to a row-major `width × height` image; returns a new array and the output size.
 * Each output pixel (x, y) reads input (sx, sy) from a per-mode affine map.
 */
export function dihedral<T extends Float32Array | Uint8Array | Uint16Array>(
  data: T,
  width: number,
  height: number,
  mode: DihedralMode,
): { data: T; width: number; height: number } {
  const swap = dihedralSwapsAxes(mode);
  const ow = swap ? height : width;
  const oh = swap ? width : height;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  if (mode === 0) {
    out.set(data);
    return { data: out, width, height };
  }
  const w1 = width - 1;
  const h1 = height - 1;
  let o = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sx: number;
      let sy: number;
      switch (mode) {
        case 1: sx = y; sy = x; break; // transpose
        case 2: sx = x; sy = h1 - y; break;
        case 3: sx = y; sy = h1 - x; break; // clockwise
        case 4: sx = w1 - x; sy = y; break;
        case 5: sx = w1 - y; sy = x; break; // counter-clockwise
        case 6: sx = w1 - x; sy = h1 - y; break;
        default: sx = w1 - y; sy = h1 - x; break; // anti-transpose
      }
      out[o++] = data[sy * width + sx]!;
    }
  }
  return { data: out, width: ow, height: oh };
}
