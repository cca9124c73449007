import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMeanCi, tMeanCi } from '../../src/stats/mean-ci.js';
import { Rng } from '../../src/util/random.js';
import { close, reference } from './reference.js';

test('the t interval of a mean equals scipy.stats.t.interval', () => {
  const { values, t } = reference.mean_ci;
  const ci = tMeanCi(values);
  assert.ok(close(ci.low, t[0], 1e-10) && close(ci.high, t[1], 1e-10), `${ci.low}, ${ci.high} vs ${t}`);
  assert.ok(Number.isNaN(tMeanCi([3]).low));
  assert.throws(() => tMeanCi([]), RangeError);
});

test("the percentile bootstrap agrees with scipy.stats.bootstrap within its own resampling noise, and is seeded", () => {
  const { values, bootstrap_percentile: [low, high], bootstrap_se: se } = reference.mean_ci;
  const ci = bootstrapMeanCi(values, new Rng(7), { resamples: 20000 });
  // Two independent 20000-resample runs differ in a 2.5 % quantile by about 0.02 standard errors.
  assert.ok(Math.abs(ci.low - low) < 0.1 * se && Math.abs(ci.high - high) < 0.1 * se, `${ci.low}, ${ci.high} vs ${low}, ${high} (se ${se})`);
  assert.deepEqual(bootstrapMeanCi(values, new Rng(7), { resamples: 500 }), bootstrapMeanCi(values, new Rng(7), { resamples: 500 }));
});
