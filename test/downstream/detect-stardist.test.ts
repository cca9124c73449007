import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileFunction } from '../../src/engine/compile.js';
import { conv2d } from '../../src/engine/ops/conv.js';
import { detectNucleiClassical, normalisePercentiles } from '../../src/downstream/detect-classical.js';
import { readStarWeights, SHIPPED_STAR_WEIGHTS, StarDetector, starInferenceGraph } from '../../src/downstream/detect-stardist.js';
import { scoreDetector } from '../../src/downstream/evaluate-detector.js';
import { simulatedNucleusImages } from '../../src/downstream/simulated-nuclei.js';
import { planeOf } from '../../src/image/plane.js';
import { tempDir } from '../prep/fixtures.js';

test("percentile normalisation at StarDist's 1 and 99.8 matches numpy", () => {
  // numpy: v = (arange(1000)*7919 % 1000).astype(float32)**1.5; percentile(v, 1), percentile(v, 99.8)
  const v = Float32Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) ** 1.5);
  const n = normalisePercentiles(planeOf(100, 10, v), 1, 99.8);
  const numpy = [-0.001004052464850247, 0.8848559260368347, 0.7703572511672974, 0.6612667441368103, 0.5578672885894775];
  numpy.forEach((x, i) => assert.ok(Math.abs(n[i]! - x) < 1e-5, `${i}: ${n[i]} vs ${x}`));
});

test('the shipped detector reaches F1 ≥ 0.9 against simulator truth on held-out simulated HR tiles', async () => {
  // simulation seed 303: neither the training tiles (101) nor the validation tiles (202)
  const held = simulatedNucleusImages(303, [1, 2], 512);
  const detector = await StarDetector.fromWeights();
  try {
    const star = await scoreDetector(held, (im) => detector.detect(im));
    const classical = await scoreDetector(held, (im) => detectNucleiClassical(im));
    assert.ok(star.reference >= 20, `${star.reference} nuclei`);
    assert.ok(star.f1 >= 0.9, `StarDist-style F1 ${star.f1.toFixed(3)} (classical ${classical.f1.toFixed(3)})`);
  } finally {
    await detector.release();
  }
});

test('a StarDist model exported to ONNX in NHWC (tf2onnx layout) runs through the same post-processing', async () => {
  const dir = await tempDir('stardist-onnx');
  const weights = await readStarWeights(SHIPPED_STAR_WEIGHTS);
  const onnxPath = join(dir, 'stardist-nhwc.onnx');
  await writeFile(onnxPath, starInferenceGraph(weights, 'NHWC'));
  const [im] = simulatedNucleusImages(303, [3], 256);
  const own = await StarDetector.fromWeights();
  const user = await StarDetector.fromOnnx(onnxPath);
  try {
    assert.match(user.description, /NHWC, 32 rays/);
    const x = normalisePercentiles(im!.image, 1, 99.8);
    const [a, b] = [await own.predict(x, 256, 256), await user.predict(x, 256, 256)];
    assert.equal(b.grid, 2);
    assert.deepEqual([b.gridH, b.gridW, b.dist.length], [128, 128, 128 * 128 * 32]);
    let diff = 0;
    a.prob.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - b.prob[i]!))));
    a.dist.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - b.dist[i]!))));
    assert.ok(diff < 1e-3, `NCHW vs NHWC outputs differ by ${diff}`);
    const [da, db] = [await own.detect(im!.image), await user.detect(im!.image)];
    assert.ok(da.count > 0);
    assert.equal(db.count, da.count);
    assert.deepEqual(db.labels, da.labels);
    // one output of 1 + 32 channels (probability first), the concatenated form of StarDist's TensorFlow export
    const combinedPath = join(dir, 'stardist-combined.onnx');
    await writeFile(combinedPath, starInferenceGraph(weights, 'NHWC', { combined: true }));
    const combined = await StarDetector.fromOnnx(combinedPath);
    try {
      assert.match(combined.description, /NHWC, 32 rays/);
      assert.deepEqual((await combined.detect(im!.image)).labels, da.labels);
    } finally {
      await combined.release();
    }
    // a side that is no multiple of the network's divisor is padded and cropped back
    const odd = planeOf(250, 230, im!.image.data.slice(0, 250 * 230));
    const d = await user.detect(odd);
    assert.deepEqual([d.width, d.height, d.labels.length], [250, 230, 250 * 230]);
  } finally {
    await own.release();
    await user.release();
  }
});

test('an ONNX graph that is not StarDist-shaped is one clear error', async () => {
  const dir = await tempDir('stardist-onnx-bad');
  const path = join(dir, 'sr.onnx');
  // one input, one output: a super-resolution graph, not a detector
  await writeFile(path, compileFunction({ inputs: { x: [1, 1, 'H', 'W'] }, weights: { w: { shape: [1, 1, 3, 3], data: new Float32Array(9).fill(0.1) } }, fn: ({ x }, { w }) => conv2d(x!, w!, null, { padding: 1 }) }));
  await assert.rejects(StarDetector.fromOnnx(path), (e: Error) => /its one output y has shape \[1, 1, H, W\], not probability and distances concatenated; expected a StarDist 2D graph/.test(e.message));
  await writeFile(join(dir, 'junk.onnx'), 'not a model');
  await assert.rejects(StarDetector.fromOnnx(join(dir, 'junk.onnx')), /not an ONNX model/);
  await assert.rejects(StarDetector.fromOnnx(join(dir, 'missing.onnx')), /cannot read the detector model/);
});
