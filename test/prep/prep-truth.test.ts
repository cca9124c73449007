// Prep on simulated tiles recovers the simulator's true stage shifts: ties sim's truth.json convention and
// prep's registration convention (sign, units, scale) together, and checks default mode's sub-pixel accuracy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepDataset, readManifest } from '../../src/prep/prep-dataset.js';
import { simulateDataset } from '../../src/sim/dataset.js';
import { defaultSimParams } from '../../src/sim/params.js';
import type { Truth, TileTruth } from '../../src/sim/truth.js';
import type { HrWindow } from '../../src/prep/windows.js';
import { tempDir } from './fixtures.js';

const TARGET_LR_PX = 0.05;

/** Area-weighted mean of the per-field true shifts over an HR rectangle (HR px, [dy, dx]). */
function trueShift(tile: TileTruth, scale: number, w: HrWindow): [number, number] {
  const b = tile.fieldBoundsPx['1']!;
  const overlap = (lo: number, hi: number, k: number) => Math.max(0, Math.min(hi, b[k + 1]!) - Math.max(lo, b[k]!));
  let area = 0, dy = 0, dx = 0;
  for (let fy = 0; fy + 1 < b.length; fy++) {
    for (let fx = 0; fx + 1 < b.length; fx++) {
      const a = overlap(w.i, w.ii, fy) * overlap(w.j, w.jj, fx);
      const [sy, sx] = tile.shiftsHrPx[String(scale)]![fy]![fx]!;
      area += a;
      dy += a * sy!;
      dx += a * sx!;
    }
  }
  return [dy / area, dx / area];
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
}

test('default-mode prep recovers the simulated stage shifts to <= 0.05 LR px (median), with the right sign', async () => {
  const dir = await tempDir('prep-truth');
  const tiles = join(dir, 'tiles');
  const out = join(dir, 'out');
  // The simulator's stage drift varies across the fields inside one 640-px window, which a single translation
  // cannot match (its fit is weighted by content, the truth below by area); without drift every window of a
  // tile has one exact true shift per scale, so the comparison measures registration alone.
  const params = defaultSimParams();
  params.stage.driftAmplitudeUm = 0;
  await simulateDataset({ outDir: tiles, ids: [1, 2], sizeHrPx: 1408, seed: 3, workers: 1, params });
  await prepDataset({ tilesDir: tiles, outDir: out, mode: 'default', workers: 0, qc: 0 });
  const truth = JSON.parse(await readFile(join(tiles, 'truth.json'), 'utf8')) as Truth;
  const entries = await readManifest(out);
  assert.ok(entries.length > 0);

  for (const scale of [2, 4, 8]) {
    const errorsLrPx: number[] = [];
    let signChecks = 0;
    const byWindow = new Map<string, typeof entries>();
    for (const e of entries.filter((x) => x.scale === scale)) {
      const key = `${e.tile}/${e.patchId}`;
      byWindow.set(key, [...(byWindow.get(key) ?? []), e]);
    }
    assert.ok(byWindow.size >= 6, `only ${byWindow.size} windows at x${scale}`);
    for (const [key, cells] of byWindow) {
      // one joint estimate per window and scale, applied to the 3 markers
      assert.deepEqual(cells.map((c) => c.cell).sort(), ['CELL0', 'CELL1', 'CELL2'], key);
      for (const c of cells) {
        assert.equal(c.estimator, 'joint');
        assert.deepEqual(c.shiftHrPx, cells[0]!.shiftHrPx);
      }
      const e = cells[0]!;
      const [tdy, tdx] = trueShift(truth.tiles.find((t) => t.id === e.tile)!, scale, e.window);
      for (const [est, want] of [[e.shiftHrPx.dy, tdy], [e.shiftHrPx.dx, tdx]] as const) {
        errorsLrPx.push(Math.abs(est - want) / scale);
        if (Math.abs(want) / scale > 2 * TARGET_LR_PX) {
          signChecks++;
          assert.equal(Math.sign(est), Math.sign(want), `x${scale} ${key}: estimated ${est} HR px, true ${want}`);
        }
      }
    }
    assert.ok(signChecks >= 2, `x${scale}: only ${signChecks} shifts large enough to check the sign`);
    const med = median(errorsLrPx);
    assert.ok(med <= TARGET_LR_PX, `x${scale}: median |error| ${med.toFixed(4)} LR px`);
  }
});
