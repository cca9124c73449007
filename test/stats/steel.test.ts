import assert from 'node:assert/strict';
import { test } from 'node:test';
import { steelTest } from '../../src/stats/steel.js';
import { close, reference } from './reference.js';

test("Steel's test: rank sums, statistics, exact and asymptotic p-values equal the definition's reference (ties, unequal sizes, one- and two-sided)", () => {
  for (const c of reference.steel) {
    const asymptotic = steelTest(c.control, c.treatments, { method: 'asymptotic', alternative: c.alternative });
    assert.deepEqual(asymptotic.rankSums, c.rank_sums, c.name);
    asymptotic.statistics.forEach((z, i) => assert.ok(close(z, c.statistics[i], 1e-12), `${c.name}: z ${z} vs ${c.statistics[i]}`));
    // The reference integrates the multivariate normal with Genz's algorithm (abseps 1e-9).
    asymptotic.pValues.forEach((p, i) => assert.ok(Math.abs(p - c.p_asymptotic[i]) < 1e-6, `${c.name}: asymptotic p ${p} vs ${c.p_asymptotic[i]}`));
    if (c.p_exact) {
      const exact = steelTest(c.control, c.treatments, { method: 'exact', alternative: c.alternative });
      assert.equal(exact.method, 'exact');
      exact.pValues.forEach((p, i) => assert.ok(Math.abs(p - c.p_exact[i]) < 1e-12, `${c.name}: exact p ${p} vs ${c.p_exact[i]}`));
    }
  }
});

test("Steel's test: the control group matters, 'auto' picks exact only for small samples, bad input is refused", () => {
  const c = reference.steel[0];
  const right = steelTest(c.control, c.treatments);
  const swapped = steelTest(c.treatments[0], [c.control, c.treatments[1]]);
  assert.notDeepEqual(swapped.statistics, right.statistics);
  assert.notDeepEqual(swapped.pValues, right.pValues);
  assert.equal(right.method, 'exact');
  const big = reference.steel.find((s: { p_exact?: number[] }) => !s.p_exact);
  assert.equal(steelTest(big.control, big.treatments).method, 'asymptotic');
  assert.throws(() => steelTest(big.control, big.treatments, { method: 'exact' }), /use the asymptotic method/);
  assert.throws(() => steelTest([1, 2], []), RangeError);
  assert.throws(() => steelTest([1, 2], [[]]), /treatment 0 is empty/);
  assert.throws(() => steelTest([1, NaN], [[1]]), /not finite/);
});
