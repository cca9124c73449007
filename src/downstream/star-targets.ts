/**
 * StarDist 2D training targets from an instance label image (Schmidt et al., MICCAI 2018; stardist's
 * `edt_prob` and `star_dist`): the object probability (each object's Euclidean distance transform divided by its
 * maximum) and, per pixel of an object, the distance to the object's boundary along `nRays` equally spaced rays.
 * Both are sampled every `grid` pixels, as StarDist's grid (a network predicting at a coarser resolution);
 * distances stay in full-resolution pixels.
 */

/** Angle of ray k: 2πk/n. Ray k points along (row +sin φ, column +cos φ), as stardist's `ray_angles`. */
export function rayAngles(nRays: number): Float64Array {
  return Float64Array.from({ length: nRays }, (_, k) => (2 * Math.PI * k) / nRays);
}

/**
 * Normalised distance transform, as stardist's `edt_prob`: inside object l, the Euclidean distance to the nearest
 * pixel not of l (the image border is not background: an object cut by it keeps its inner values), divided by
 * the object's largest such distance. Output at grid points (i·grid, j·grid), row-major [⌈H/grid⌉, ⌈W/grid⌉].
 */
export function edtProb(labels: ArrayLike<number>, width: number, height: number, grid = 1): Float32Array {
  const gh = Math.ceil(height / grid), gw = Math.ceil(width / grid);
  const out = new Float32Array(gh * gw);
  // The nearest pixel not of l is 8-adjacent to l (any other is farther than its neighbour towards the pixel),
  // so each object needs only its outer rim: exact, and cheap for nucleus-sized objects.
  const rims = new Map<number, number[]>();
  const pixels = new Map<number, number[]>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = labels[y * width + x]!;
      if (l > 0) {
        let list = pixels.get(l);
        if (!list) pixels.set(l, (list = []));
        list.push(y * width + x);
      }
      // a pixel is on the rim of every other label among its 8 neighbours
      const seen: number[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if ((dy === 0 && dx === 0) || yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          const m = labels[yy * width + xx]!;
          if (m > 0 && m !== l && !seen.includes(m)) {
            seen.push(m);
            let rim = rims.get(m);
            if (!rim) rims.set(m, (rim = []));
            rim.push(y * width + x);
          }
        }
      }
    }
  }
  for (const [l, list] of pixels) {
    const rim = rims.get(l) ?? [];
    const dist = new Float64Array(list.length);
    let max = 0;
    list.forEach((p, k) => {
      const y = Math.floor(p / width), x = p % width;
      let best = Infinity;
      for (const q of rim) {
        const d = (Math.floor(q / width) - y) ** 2 + ((q % width) - x) ** 2;
        if (d < best) best = d;
      }
      dist[k] = Math.sqrt(best);
      if (dist[k]! > max && Number.isFinite(dist[k]!)) max = dist[k]!;
    });
    list.forEach((p, k) => {
      const y = Math.floor(p / width), x = p % width;
      if (y % grid !== 0 || x % grid !== 0) return;
      // an object filling the whole image has no rim: stardist pads it, giving 1 inside
      out[(y / grid) * gw + x / grid] = Number.isFinite(dist[k]!) ? dist[k]! / (max + 1e-10) : 1;
    });
  }
  return out;
}

/**
 * Ray distances, as stardist's `star_dist` (its Python reference `_py_star_dist`): from each grid point inside an
 * object, step one pixel at a time along each ray until the rounded position leaves the image or the object, then
 * step back half a pixel's crossing, so the distance ends midway between the last pixel inside and the first
 * outside. Background points get 0. Output row-major [⌈H/grid⌉, ⌈W/grid⌉, nRays].
 */
export function starDist(labels: ArrayLike<number>, width: number, height: number, nRays: number, grid = 1): Float32Array {
  const gh = Math.ceil(height / grid), gw = Math.ceil(width / grid);
  const out = new Float32Array(gh * gw * nRays);
  const phis = rayAngles(nRays);
  const dys = Float64Array.from(phis, (p) => Math.fround(Math.sin(p)));
  const dxs = Float64Array.from(phis, (p) => Math.fround(Math.cos(p)));
  for (let gi = 0; gi < gh; gi++) {
    for (let gj = 0; gj < gw; gj++) {
      const i = gi * grid, j = gj * grid;
      const value = labels[i * width + j]!;
      if (value === 0) continue;
      for (let k = 0; k < nRays; k++) {
        const dy = dys[k]!, dx = dxs[k]!;
        let y = 0, x = 0;
        for (;;) {
          y += dy;
          x += dx;
          const ii = Math.round(i + y), jj = Math.round(j + x);
          if (ii < 0 || ii >= height || jj < 0 || jj >= width || labels[ii * width + jj] !== value) {
            const back = 1 - 0.5 / Math.max(Math.abs(dy), Math.abs(dx));
            y -= back * dy;
            x -= back * dx;
            out[(gi * gw + gj) * nRays + k] = Math.sqrt(y * y + x * x);
            break;
          }
        }
      }
    }
  }
  return out;
}
