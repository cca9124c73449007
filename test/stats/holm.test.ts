import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holmAdjust } from '../../src/stats/holm.js';
import { close, reference } from './reference.js';

test("Holm's adjustment equals its step-down definition, keeps order, and leaves NaN (no test) out of m", () => {
  const { p, adjusted } = reference.holm;
  holmAdjust(p).forEach((v, i) => assert.ok(close(v, adjusted[i], 1e-15), `p ${p[i]}: ${v}, reference ${adjusted[i]}`));
  assert.deepEqual(holmAdjust([0.01, NaN, 0.04]), [0.02, NaN, 0.04]);
});
