// F1 of the StarDist-style detector (shipped weights, or the .safetensors given as 4th argument) and of the
// classical one against simulator truth on simulated CELL2 HR tiles, and on bicubic-upscaled real LR of the same
// tiles at x2/x4/x8. The training tiles are simulation seed 101, its validation tiles seed 202: use another seed.
// Usage: npx tsx scripts/downstream/detector-f1.ts [tiles=8] [size=512] [seed=1] [weights]
import { detectNucleiClassical } from '../../src/downstream/detect-classical.js';
import { StarDetector } from '../../src/downstream/detect-stardist.js';
import { scoreDetector, type DetectorScore } from '../../src/downstream/evaluate-detector.js';
import { simulatedNucleusImages } from '../../src/downstream/simulated-nuclei.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';
import { defaultSimParams } from '../../src/sim/params.js';
import { simulateTile } from '../../src/sim/tile.js';
import type { Plane } from '../../src/image/plane.js';

const [tiles = 8, size = 512, seed = 1] = process.argv.slice(2, 5).map(Number);
const weights = process.argv[5];
const ids = Array.from({ length: tiles }, (_, i) => i + 1);
const hr = simulatedNucleusImages(seed, ids, size);
const star = await StarDetector.fromWeights(weights);
const show = (s: DetectorScore) => `F1 ${s.f1.toFixed(3)} (truth ${s.reference}, TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives}, over ${s.overSegmented}, under ${s.underSegmented})`;
const detectors: Array<[string, (p: Plane) => ReturnType<StarDetector['detect']> | ReturnType<typeof detectNucleiClassical>]> = [
  ['stardist-style', (p) => star.detect(p)],
  ['classical', (p) => detectNucleiClassical(p)],
];
const t0 = performance.now();
for (const [name, detect] of detectors) console.log(`HR, ${name}: ${show(await scoreDetector(hr, detect))}`);
console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s for both detectors on ${tiles} HR tiles of ${size} px)`);
// bicubic-upscaled real LR of the same tiles, against the same truth
const params = defaultSimParams();
const lr = hr.map((im) => simulateTile(params, seed, im.tileId, size).lr);
for (const s of [2, 4, 8] as const) {
  const up = hr.map((im, i) => ({ ...im, image: bicubicBaseline(lr[i]![s][2]!, s) as Plane }));
  for (const [name, detect] of detectors) console.log(`bicubic x${s}, ${name}: ${show(await scoreDetector(up, detect))}`);
}
await star.release();
