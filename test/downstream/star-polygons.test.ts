import { test } from 'node:test';
import assert from 'node:assert/strict';
import { polygonsToLabels, rasterIntersection, rasterisePolygon, suppressPolygons, type StarPolygon } from '../../src/downstream/star-polygons.js';

const disc = (y: number, x: number, r: number, prob: number, rays = 32): StarPolygon => ({ y, x, prob, dist: new Float32Array(rays).fill(r) });

test('a polygon rasterises to the pixel centres inside it', () => {
  // 4 rays of 5.5: the diamond |dy| + |dx| < 5.5 holds the 2·5² + 2·5 + 1 integer points with |dy| + |dx| ≤ 5
  const diamond = rasterisePolygon(disc(10, 10, 5.5, 1, 4), 30, 30);
  assert.equal(diamond.area, 61);
  assert.deepEqual([diamond.y0, diamond.x0, diamond.height, diamond.width], [5, 5, 11, 11]);
  // a 32-ray disc of radius 10: close to π·10²
  const round = rasterisePolygon(disc(20, 20, 10, 1), 40, 40);
  assert.ok(Math.abs(round.area - Math.PI * 100) < 12, `${round.area}`);
  // clipped by the image
  const clipped = rasterisePolygon(disc(0, 0, 10, 1), 40, 40);
  assert.ok(Math.abs(clipped.area - round.area / 4) < 15, `${clipped.area}`);
  assert.equal(rasterIntersection(round, round), round.area);
});

test('polygon NMS: the most probable of overlapping polygons stays, overlap is over the smaller area, distant ones stay', () => {
  const H = 100, W = 120;
  const proposals: StarPolygon[] = [
    disc(30, 30, 12, 0.8), // 0: overlaps 1 heavily, less probable → suppressed
    disc(30, 33, 12, 0.9), // 1: kept (highest)
    disc(30, 70, 5, 0.7), // 2: small, inside 3 → overlap/min area = 1 → suppressed despite IoU ≈ 0.17
    disc(30, 72, 12, 0.75), // 3: kept
    disc(75, 30, 10, 0.65), // 4: alone → kept
    disc(75, 47, 10, 0.6), // 5: touches 4 slightly (overlap ≈ 0.05 of its area < 0.4) → kept
  ];
  const kept = suppressPolygons(proposals, 0.4, H, W);
  assert.deepEqual(kept.map((k) => k.index), [1, 3, 4, 5]);
  // a stricter threshold also suppresses the slightly touching one; a looser one keeps 0 (it overlaps 1 by ≈ 0.8)
  assert.deepEqual(suppressPolygons(proposals, 0.01, H, W).map((k) => k.index), [1, 3, 4]);
  assert.deepEqual(suppressPolygons(proposals, 0.95, H, W).map((k) => k.index), [1, 0, 3, 4, 5]);
  // labels: 1.. by decreasing probability; where kept polygons overlap the more probable one wins
  const { labels, indices } = polygonsToLabels(kept, H, W);
  assert.deepEqual(indices, [1, 3, 4, 5]);
  assert.equal(labels[30 * W + 33], 1);
  assert.equal(labels[30 * W + 72], 2);
  assert.equal(labels[75 * W + 38], 3); // the seam of 4 and 5 belongs to 4 (0.65 > 0.6)
  assert.equal(labels[75 * W + 47], 4);
  assert.equal(labels[0], 0);
  // a polygon painted over entirely disappears from the labels
  const hidden = polygonsToLabels(suppressPolygons([disc(50, 50, 10, 0.9), disc(50, 50, 4, 0.5)], 1.1, H, W), H, W);
  assert.deepEqual(hidden.indices, [0]);
});
