// F1 of the classical detector against simulator truth on simulated CELL2 HR images (and on bicubic-upscaled
// real LR at x2/x4/x8 of the same tiles, for comparison).
// Usage: npx tsx scripts/downstream/classical-f1.ts [tiles=6] [size=512] [seed=0]
import { matchInstances } from '../../src/downstream/match.js';
import { detectNucleiClassical } from '../../src/downstream/detect-classical.js';
import { truthIgnoreSet } from '../../src/downstream/truth.js';
import { buildTileModel } from '../../src/sim/band.js';
import { nucleusTruth } from '../../src/sim/nuclei.js';
import { defaultSimParams } from '../../src/sim/params.js';
import { simulateTile } from '../../src/sim/tile.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';

const [tiles = 6, size = 512, seed = 0] = process.argv.slice(2).map(Number);
const params = defaultSimParams();
const totals = { tp: 0, fp: 0, fn: 0, over: 0, under: 0, truth: 0, detected: 0 };
const bicubic = { 2: { tp: 0, fp: 0, fn: 0 }, 4: { tp: 0, fp: 0, fn: 0 }, 8: { tp: 0, fp: 0, fn: 0 } };
for (let id = 1; id <= tiles; id++) {
  const model = buildTileModel(params, seed, id, size);
  const truth = nucleusTruth(params, model.specimen, { y0: 0, x0: 0, height: size, width: size });
  const tile = simulateTile(params, seed, id, size, model);
  const hr = tile.hr[2]!;
  for (const s of [2, 4, 8] as const) {
    const up = bicubicBaseline(tile.lr[s][2]!, s);
    const b = matchInstances(truth.labels, detectNucleiClassical(up).labels, { ignore: truthIgnoreSet(truth.nuclei) });
    bicubic[s].tp += b.truePositives; bicubic[s].fp += b.falsePositives; bicubic[s].fn += b.falseNegatives;
  }
  const det = detectNucleiClassical(hr);
  const m = matchInstances(truth.labels, det.labels, { ignore: truthIgnoreSet(truth.nuclei) });
  totals.tp += m.truePositives; totals.fp += m.falsePositives; totals.fn += m.falseNegatives;
  totals.over += m.overSegmented; totals.under += m.underSegmented; totals.truth += m.reference; totals.detected += m.predicted;
  console.log(`tile ${id}: truth ${m.reference} detected ${m.predicted} tp ${m.truePositives} F1 ${m.f1.toFixed(3)} over ${m.overSegmented} under ${m.underSegmented} IoU ${m.meanMatchedIou.toFixed(3)}`);
}
const f1 = (2 * totals.tp) / (2 * totals.tp + totals.fp + totals.fn);
console.log(`pooled over ${tiles} tiles of ${size}px (seed ${seed}): F1 ${f1.toFixed(3)}`, totals);
for (const s of [2, 4, 8] as const) {
  const b = bicubic[s];
  console.log(`bicubic x${s}: F1 ${((2 * b.tp) / (2 * b.tp + b.fp + b.fn)).toFixed(3)}`, b);
}
