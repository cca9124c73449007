import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wilcoxonSignedRank } from '../../src/stats/wilcoxon.js';
import { close, reference } from './reference.js';

test('Wilcoxon signed-rank: statistic and p-value equal scipy.stats.wilcoxon (exact, normal, ties, zeros, one-sided)', () => {
  for (const c of reference.wilcoxon) {
    const r = wilcoxonSignedRank(c.d, { alternative: c.alternative });
    assert.equal(r.statistic, c.statistic, c.name);
    assert.ok(close(r.pValue, c.p, 1e-10), `${c.name}: p ${r.pValue}, scipy ${c.p}`);
  }
});

test('Wilcoxon signed-rank: the sign of the differences decides the one-sided tests, and zeros alone give p = 1', () => {
  const d = [0.5, 1.2, 2.1, 0.8, 1.7, 0.3, 2.5, 1.1];
  assert.ok(wilcoxonSignedRank(d, { alternative: 'greater' }).pValue < 0.01);
  assert.ok(wilcoxonSignedRank(d, { alternative: 'less' }).pValue > 0.99);
  assert.equal(wilcoxonSignedRank([0, 0, 0]).pValue, 1);
  assert.throws(() => wilcoxonSignedRank([1, NaN]), RangeError);
});
