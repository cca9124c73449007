import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detector, fastNormal, poisson } from '../../src/sim/detector.js';
import { defaultSimParams } from '../../src/sim/params.js';
import { Rng } from '../../src/util/random.js';

const moments = (n: number, draw: () => number) => {
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = draw();
    s += v;
    s2 += v * v;
  }
  return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
};

test('fastNormal and poisson have the right moments', () => {
  const rng = new Rng(11);
  const z = moments(200_000, () => fastNormal(rng));
  assert.ok(Math.abs(z.mean) < 0.01 && Math.abs(z.variance - 1) < 0.01, JSON.stringify(z));
  for (const lambda of [0.3, 4, 14, 40]) {
    const p = moments(100_000, () => poisson(rng, lambda));
    assert.ok(Math.abs(p.mean - lambda) < 0.02 * lambda + 0.01 && Math.abs(p.variance - lambda) < 0.05 * lambda + 0.01, `${lambda}: ${JSON.stringify(p)}`);
  }
});

test("the mean of 8 scans has 1/8 of a single scan's noise variance (photon, gain excess and read noise)", () => {
  const params = defaultSimParams();
  const { countsPerPhoton: g, excessNoiseFactor: f2, offsetCounts, readNoiseCounts: read, backgroundPhotons: bg } = params.detector;
  const expected = 20;
  for (const scans of [1, 8]) {
    const digitise = detector(params, scans, new Rng(scans));
    const m = moments(100_000, () => digitise(expected));
    const photons = scans * (expected / g + bg);
    // one scan below 15 photons: exact Poisson, gain excess (F^2 - 1) on top; 8 scans: Gaussian with F^2
    const variance = (g * g * f2 * photons + scans * read * read) / (scans * scans) + 1 / 12;
    assert.ok(Math.abs(m.mean - (expected + g * bg + offsetCounts)) < 0.1, `${scans} scans: mean ${m.mean}`);
    assert.ok(Math.abs(m.variance / variance - 1) < 0.05, `${scans} scans: variance ${m.variance}, model ${variance}`);
  }
  // saturation and the floor
  const digitise = detector(params, 1, new Rng(3));
  assert.equal(digitise(10_000), 255);
  assert.ok(digitise(0) >= 0);
});
