import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Plane } from '../../src/image/plane.js';
import { identityAligner } from '../../src/prep/align-window.js';
import { seedCompatRegisteredLr } from '../../src/prep/registration/seed-compat.js';
import { acceptedWindows, cutTilePatches } from '../../src/prep/cut-tile.js';
import { memoryTileReader } from '../../src/prep/tile-reader.js';
import { syntheticTile } from './fixtures.js';

const SIZE = 1160; // windows at i, j in {0, 256, 512}: 9 per tile

/** Expected kept windows, by direct counting over the tile (no band logic). */
function expectedWindows(cell2: Plane, test: 'centre' | 'crop'): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 640 < cell2.height; i += 256) {
    for (let j = 0; j + 640 < cell2.width; j += 256) {
      const [o, side] = test === 'centre' ? [256, 128] : [64, 512];
      let n = 0;
      for (let y = i + o; y < i + o + side; y++) for (let x = j + o; x < j + o + side; x++) if (cell2.data[y * cell2.width + x]! >= 4) n++;
      if (n / (side * side) >= 0.2) kept.push(`${i}_${i + 640}_${j}_${j + 640}`);
    }
  }
  return kept;
}

test('accepted windows and patch ids follow raster order in both modes', async () => {
  let differ = false;
  for (const seed of [1, 2, 3, 4]) {
    const tile = syntheticTile(SIZE, seed, 30 + 10 * seed);
    const reader = memoryTileReader(5, tile);
    const seed_ = (await acceptedWindows(reader, 'seed-compat')).map((w) => `${w.i}_${w.ii}_${w.j}_${w.jj}`);
    const def = (await acceptedWindows(reader, 'default')).map((w) => `${w.i}_${w.ii}_${w.j}_${w.jj}`);
    assert.deepEqual(seed_, expectedWindows(tile[1][2]!, 'centre'));
    assert.deepEqual(def, expectedWindows(tile[1][2]!, 'crop'));
    if (seed_.join() !== def.join()) differ = true;
  }
  assert.ok(differ, 'the fixtures must include a tile where the two tests disagree');
});

test('patches: names, HR crop and LR crop at the same coordinates for every marker and scale', async () => {
  const tile = syntheticTile(SIZE, 7, 70);
  const written = new Map<string, Plane<Uint8Array>>();
  let windows = 0;
  const entries = await cutTilePatches(memoryTileReader(13, tile), {
    mode: 'default',
    align: identityAligner,
    write: async (rel, p) => void written.set(rel, p),
    onWindow: () => windows++,
  });
  assert.equal(windows, 9);
  const kept = expectedWindows(tile[1][2]!, 'crop');
  assert.ok(kept.length >= 2);
  assert.equal(entries.length, kept.length * 3 * 3);
  assert.equal(written.size, kept.length * 3 * 4);
  kept.forEach((key, patchId) => {
    const [i, , j] = key.split('_').map(Number) as [number, number, number];
    for (let c = 0; c < 3; c++) {
      const hrName = `hr_div_1/tile_HighRes1024-13_${patchId}_${i}_${i + 640}_${j}_${j + 640}_CELL${c}.tif`;
      const hr = written.get(hrName);
      assert.ok(hr, hrName);
      assert.equal(hr.width, 512);
      const src = tile[1][c]!;
      assert.equal(hr.data[0], src.data[(i + 64) * SIZE + j + 64]);
      assert.equal(hr.data[511 * 512 + 511], src.data[(i + 64 + 511) * SIZE + j + 64 + 511]);
      for (const [s, folder] of [[2, 'LowRes512'], [4, 'LowRes256'], [8, 'LowRes128']] as const) {
        const name = `hr_div_${s}/tile_${folder}-13_${patchId}_${i / s}_${(i + 640) / s}_${j / s}_${(j + 640) / s}_CELL${c}.tif`;
        const lr = written.get(name);
        assert.ok(lr, name);
        assert.equal(lr.width, 512 / s);
        const lrTile = tile[s][c]!;
        // with no shift, the original's nearest up/crop/down returns the LR pixels of the central crop
        for (const [y, x] of [[0, 0], [3, 5], [512 / s - 1, 512 / s - 1]] as const) {
          assert.equal(lr.data[y * lr.width + x], lrTile.data[((i + 64) / s + y) * lrTile.width + (j + 64) / s + x]);
        }
        const e = entries.find((e) => e.patchId === patchId && e.cell === `CELL${c}` && e.scale === s)!;
        assert.deepEqual([e.hr, e.lr, e.tile, e.window], [hrName, name, 13, { i, ii: i + 640, j, jj: j + 640 }]);
      }
    }
  });
});

test('the seed-compat resampling the patches use equals the original pipeline: nearest up, constant shift, crop 64, nearest down', () => {
  const s = 4;
  const lr = syntheticTile(640, 9, 40)[4][1]!; // 160 x 160
  for (const [dy, dx] of [[0, 0], [3, -5], [-70, 2], [130, 90]] as const) {
    // direct transcription on the full 640 window
    const up = (y: number, x: number) => lr.data[Math.floor(y / s) * 160 + Math.floor(x / s)]!;
    const warped = (y: number, x: number) => (y + dy >= 0 && y + dy < 640 && x + dx >= 0 && x + dx < 640 ? up(y + dy, x + dx) : 0);
    const got = seedCompatRegisteredLr(lr, s, dy, dx, 64);
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        // PIL NEAREST downsampling by s reads source pixel floor((x + 0.5) * s)
        const want = warped(64 + Math.floor((y + 0.5) * s), 64 + Math.floor((x + 0.5) * s));
        if (got.data[y * 128 + x] !== want) assert.fail(`(${dy},${dx}) at ${y},${x}: ${got.data[y * 128 + x]} != ${want}`);
      }
    }
  }
});
