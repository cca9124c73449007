import assert from 'node:assert/strict';
import { test } from 'node:test';
import { studentTCdf, studentTQuantile } from '../../src/stats/student-t.js';
import { close, reference } from './reference.js';

test("Student's t CDF and quantile equal scipy.stats.t for 1 to 120 degrees of freedom", () => {
  for (const c of reference.t) {
    // scipy 1.10's t.ppf is itself good to about 1e-9: its own CDF at its quantile for (0.9, 3) misses p by 3.6e-10.
    assert.ok(close(studentTQuantile(c.p, c.df), c.quantile, 1e-8), `t.ppf(${c.p}, ${c.df}) = ${studentTQuantile(c.p, c.df)}, scipy ${c.quantile}`);
    assert.ok(close(studentTCdf(1.5, c.df), c.cdf_at_1_5, 1e-12), `t.cdf(1.5, ${c.df})`);
  }
  assert.throws(() => studentTQuantile(0.5, 0), RangeError);
});
