import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchInstances } from '../../src/downstream/match.js';

/** A w×h label image with the given rectangles [label, y0, x0, y1, x1) painted in order. */
function paint(w: number, h: number, rects: Array<[number, number, number, number, number]>): Int32Array {
  const out = new Int32Array(w * h);
  for (const [l, y0, x0, y1, x1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * w + x] = l;
  return out;
}

test('IoU matching: hits, a miss, a false positive, a split and a merge, counted by hand', () => {
  const W = 40, H = 20;
  const truth = paint(W, H, [
    [1, 0, 0, 10, 10], // matched exactly
    [2, 0, 12, 10, 22], // split in two by the prediction (over-segmented)
    [3, 12, 0, 16, 4], // missed
    [4, 0, 25, 6, 30], // merged with 5 by one prediction (under-segmented)
    [5, 6, 25, 12, 30],
  ]);
  const pred = paint(W, H, [
    [7, 0, 0, 10, 9], // IoU 0.9 with truth 1
    [8, 0, 12, 10, 17], // half of truth 2: IoU 0.5, a match at the threshold
    [9, 0, 17, 10, 22], // the other half: IoU 0.5 too, but truth 2 is taken
    [10, 0, 25, 12, 30], // covers 4 and 5: IoU 0.5 with each; matches one
    [11, 16, 34, 20, 40], // nothing there
  ]);
  const m = matchInstances(truth, pred);
  assert.deepEqual({ tp: m.truePositives, fp: m.falsePositives, fn: m.falseNegatives }, { tp: 3, fp: 2, fn: 2 });
  assert.equal(m.reference, 5);
  assert.equal(m.predicted, 5);
  assert.equal(m.f1, (2 * 3) / 10);
  assert.equal(m.overSegmented, 1);
  assert.equal(m.underSegmented, 1);
  assert.ok(Math.abs(m.meanMatchedIou - (0.9 + 0.5 + 0.5) / 3) < 1e-12);
  // just under half the area is no match
  const shrunk = paint(W, H, [[1, 0, 0, 10, 4]]);
  assert.equal(matchInstances(paint(W, H, [[1, 0, 0, 10, 10]]), shrunk).truePositives, 0);
  // an ignored truth object is neither missed nor, when found, a false positive
  const ignored = matchInstances(truth, pred, { ignore: new Set([3, 1]) });
  assert.deepEqual({ tp: ignored.truePositives, fp: ignored.falsePositives, fn: ignored.falseNegatives, ref: ignored.reference, pred: ignored.predicted }, { tp: 2, fp: 2, fn: 1, ref: 3, pred: 4 });
  assert.throws(() => matchInstances(new Int32Array(4), new Int32Array(5)), /differ in size/);
  // empty against empty is perfect agreement
  assert.equal(matchInstances(new Int32Array(9), new Int32Array(9)).f1, 1);
});
