import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTileModel } from '../../src/sim/band.js';
import { simulateDataset } from '../../src/sim/dataset.js';
import { nucleusTruth, tileNucleusTruth } from '../../src/sim/nuclei.js';
import { defaultSimParams } from '../../src/sim/params.js';
import { renderFocalPlane } from '../../src/sim/render.js';
import { simulateTile } from '../../src/sim/tile.js';
import { readTiff } from '../../src/io/tiff.js';

const params = defaultSimParams();

test('nucleus labels are the nuclei renderFocalPlane draws, and the simulated HR H2B is bright on them', () => {
  const size = 256;
  const model = buildTileModel(params, 5, 1, size);
  const region = { y0: 0, x0: 0, height: size, width: size };
  const truth = nucleusTruth(params, model.specimen, region);
  assert.ok(truth.nuclei.length >= 3, `${truth.nuclei.length} nuclei`);
  const h2b = renderFocalPlane(params, model.specimen, model.textures, region).h2b;
  // away from the soft edge the rendered signal says nucleus exactly where the labels do
  const b = params.brightness;
  const low = Math.min(b.h2bNucleus * 0.3, b.h2bMitotic * 0.2);
  let inside = 0, insideBright = 0, outsideBright = 0;
  for (let i = 0; i < h2b.length; i++) {
    if (truth.labels[i]! > 0) {
      inside++;
      if (h2b[i]! > b.h2bCytoplasm) insideBright++;
    } else if (h2b[i]! >= low) outsideBright++;
  }
  assert.ok(insideBright / inside > 0.97, `labelled pixels brighter than cytoplasm: ${insideBright}/${inside}`);
  assert.ok(outsideBright / inside < 0.05, `unlabelled bright pixels: ${outsideBright} vs ${inside}`);
  // areas, ids and the cut flag are consistent with the label image
  for (const n of truth.nuclei) {
    let area = 0;
    for (const v of truth.labels) if (v === n.label) area++;
    assert.equal(area, n.areaPx);
    assert.ok(n.areaPx <= Math.PI * (n.radiusPx + 1) ** 2, `nucleus ${n.label} area ${n.areaPx} vs radius ${n.radiusPx}`);
  }
  // a sub-region sees the same cells, shifted, and flags the ones its border cuts
  const sub = nucleusTruth(params, model.specimen, { y0: 150, x0: 32, height: 96, width: 128 });
  for (const n of sub.nuclei) {
    const whole = truth.nuclei.find((m) => m.cell === n.cell)!;
    assert.equal(n.yPx, Math.round((whole.yPx - 150) * 100) / 100);
    if (!n.cut) assert.equal(n.areaPx, whole.areaPx);
  }
  assert.ok(sub.nuclei.some((n) => n.cut));
  // the acquired HR CELL2 is brighter on nuclei than off them
  const hr = simulateTile(params, 5, 1, size).hr[2]!.data;
  let on = 0, off = 0;
  for (let i = 0; i < hr.length; i++) truth.labels[i]! > 0 ? (on += hr[i]!) : (off += hr[i]!);
  assert.ok(on / inside > 3 * (off / (hr.length - inside)), 'HR H2B on vs off nuclei');
});

test('simulate --nuclei labels writes nuclei.json and label images beside an unchanged dataset', async () => {
  const out = mkdtempSync(join(tmpdir(), 'srcaco-nuclei-'));
  await simulateDataset({ outDir: out, ids: [1, 2], sizeHrPx: 96, seed: 2, workers: 1, nuclei: 'labels', duplicates: new Map([[2, 1]]) });
  assert.deepEqual(readdirSync(out).sort(), ['HighRes1024', 'LowRes128', 'LowRes256', 'LowRes512', 'NucleiHR', 'nuclei.json', 'truth.json']);
  const doc = JSON.parse(readFileSync(join(out, 'nuclei.json'), 'utf8'));
  const expected = tileNucleusTruth(params, 2, 1, 96);
  assert.deepEqual(doc.tiles[0].nuclei, expected.nuclei);
  assert.deepEqual(doc.tiles[1].nuclei, expected.nuclei);
  const labels = await readTiff(join(out, 'NucleiHR', 'NucleiHR-2.tif'));
  assert.deepEqual(labels[0]!.data, expected.labels);
});
