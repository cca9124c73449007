// Small synthetic tiles for the prep tests: bright discs on a dark background, LR = block means of HR.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff-write.js';
import { TILE_FOLDERS, type Scale } from '../../src/io/layout.js';
import { Rng } from '../../src/util/random.js';

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `srcaco-${label}-`));
  created.push(dir);
  return dir;
}

/** One HR marker plane: `discs` random discs of value 60..200 on background 0..3. */
export function discPlane(size: number, rng: Rng, discs: number): Plane<Uint8Array> {
  const data = new Uint8Array(size * size);
  for (let k = 0; k < data.length; k++) data[k] = rng.int(4);
  for (let d = 0; d < discs; d++) {
    const cx = rng.int(size);
    const cy = rng.int(size);
    const r = 15 + rng.int(40);
    const v = 60 + rng.int(140);
    for (let y = Math.max(0, cy - r); y < Math.min(size, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x < Math.min(size, cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[y * size + x] = v;
      }
    }
  }
  return planeOf(size, size, data);
}

/** Block-mean downsampling by `s` (floor of the size). */
export function blockMean(p: Plane<Uint8Array>, s: number): Plane<Uint8Array> {
  const w = Math.floor(p.width / s);
  const h = Math.floor(p.height / s);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) sum += p.data[(y * s + dy) * p.width + x * s + dx]!;
      out[y * w + x] = Math.round(sum / (s * s));
    }
  }
  return planeOf(w, h, out);
}

/** The four resolutions of a tile from three HR planes. */
export function tileScales(hr: Plane<Uint8Array>[]): Record<Scale, Plane<Uint8Array>[]> {
  return { 1: hr, 2: hr.map((p) => blockMean(p, 2)), 4: hr.map((p) => blockMean(p, 4)), 8: hr.map((p) => blockMean(p, 8)) };
}

/** A synthetic tile with three markers. */
export function syntheticTile(size: number, seed: number, discs = 40): Record<Scale, Plane<Uint8Array>[]> {
  const rng = new Rng(seed);
  return tileScales([discPlane(size, rng, discs / 2), discPlane(size, rng, discs), discPlane(size, rng, discs)]);
}

/** Writes tiles in the tiles-folder layout: `<dir>/<Folder>/<Folder>-<id>.tif`. */
export async function writeTilesFolder(dir: string, tiles: Map<number, Record<Scale, Plane<Uint8Array>[]>>): Promise<void> {
  for (const [id, scales] of tiles) {
    for (const s of [1, 2, 4, 8] as const) {
      await mkdir(join(dir, TILE_FOLDERS[s]), { recursive: true });
      await writeTiff(join(dir, TILE_FOLDERS[s], `${TILE_FOLDERS[s]}-${id}.tif`), scales[s]);
    }
  }
}
