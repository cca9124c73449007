/**
 * Whole-image inference in overlapping tiles: each tile is run with a margin of context on every side, and
 * only its centre is kept, so seams fall where both neighbours saw at least `marginPx` of context. Tiles at the
 * image border are shifted inside the image (never padded), so every tile but those of a small image has the
 * same size.
 */

/** One axis's tiles: where each starts and which part of the output it owns, in input pixels. */
export interface AxisTile {
  start: number;
  size: number;
  ownBegin: number;
  ownEnd: number;
}

/**
 * Tiles of `tilePx` covering `length`, each owning its centre beyond `marginPx` (image borders owned fully). With
 * `align` > 1 every tile starts at a multiple of it (a window model partitions each tile as the whole image), so
 * the last one, ending at the border, may be up to align − 1 px longer.
 */
export function axisTiles(length: number, tilePx: number, marginPx: number, align = 1): AxisTile[] {
  if (tilePx >= length) return [{ start: 0, size: length, ownBegin: 0, ownEnd: length }];
  if (tilePx - 2 * marginPx < align) throw new RangeError(`a tile of ${tilePx} px leaves less than ${align} px inside margins of ${marginPx} px`);
  const lastStart = Math.floor((length - tilePx) / align) * align;
  const tiles: AxisTile[] = [];
  let ownBegin = 0;
  for (;;) {
    // The latest aligned start that still gives the owned part its margin of context.
    const start = Math.min(Math.floor(Math.max(0, ownBegin - marginPx) / align) * align, lastStart);
    const last = start === lastStart;
    const ownEnd = last ? length : start + tilePx - marginPx;
    tiles.push({ start, size: last ? length - start : tilePx, ownBegin, ownEnd });
    if (last) return tiles;
    ownBegin = ownEnd;
  }
}

export interface TiledOptions {
  tilePx: number;
  marginPx: number;
  /** Output pixels per input pixel (the SR scale, or 1 when the input is already at HR size). */
  outScale: number;
  /** Tiles start at multiples of this (axisTiles' `align`; default 1). */
  align?: number;
  onTile?: (done: number, total: number) => void;
}

/** Runs `runTile` over tiles of a `width × height` image and assembles the `outScale`× larger output. */
export async function runTiled(
  src: Float32Array,
  width: number,
  height: number,
  options: TiledOptions,
  runTile: (tile: Float32Array, tileWidth: number, tileHeight: number) => Promise<Float32Array>,
): Promise<Float32Array> {
  const s = options.outScale;
  const cols = axisTiles(width, options.tilePx, options.marginPx, options.align);
  const rows = axisTiles(height, options.tilePx, options.marginPx, options.align);
  const outWidth = width * s;
  const out = new Float32Array(outWidth * height * s);
  const total = cols.length * rows.length;
  let done = 0;
  for (const r of rows) {
    for (const c of cols) {
      const tile = new Float32Array(c.size * r.size);
      for (let y = 0; y < r.size; y++) tile.set(src.subarray((r.start + y) * width + c.start, (r.start + y) * width + c.start + c.size), y * c.size);
      const y0 = await runTile(tile, c.size, r.size);
      const tw = c.size * s;
      for (let y = r.ownBegin * s; y < r.ownEnd * s; y++) {
        const from = (y - r.start * s) * tw;
        out.set(y0.subarray(from + (c.ownBegin - c.start) * s, from + (c.ownEnd - c.start) * s), y * outWidth + c.ownBegin * s);
      }
      options.onTile?.(++done, total);
    }
  }
  return out;
}
