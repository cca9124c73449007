import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalCdf, normalQuantile } from '../../src/stats/normal.js';
import { close, reference } from './reference.js';

test('normal CDF and quantile equal scipy.stats.norm (CDF to 1e-15 absolute and 1e-8 relative out to 1e-17, quantile to 1e-10)', () => {
  const { x, cdf, p, quantile } = reference.normal;
  x.forEach((v: number, i: number) => assert.ok(Math.abs(normalCdf(v) - cdf[i]) <= Math.min(1e-15, 1e-8 * cdf[i]) || normalCdf(v) === cdf[i], `cdf(${v}) = ${normalCdf(v)}, scipy ${cdf[i]}`));
  p.forEach((v: number, i: number) => assert.ok(close(normalQuantile(v), quantile[i], 1e-10), `quantile(${v}) = ${normalQuantile(v)}, scipy ${quantile[i]}`));
  assert.throws(() => normalQuantile(1), RangeError);
});
