import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';

test('same seed, same stream; restored state continues the stream', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const first = Array.from({ length: 5 }, () => a.uint32());
  assert.deepEqual(first, Array.from({ length: 5 }, () => b.uint32()));
  const saved = a.state();
  const next = Array.from({ length: 5 }, () => a.uniform());
  const restored = new Rng(saved);
  assert.deepEqual(Array.from({ length: 5 }, () => restored.uniform()), next);
  assert.notDeepEqual(first, Array.from({ length: 5 }, () => new Rng(43).uint32()));
});

test('uniform, normal and poisson have the right moments', () => {
  const rng = new Rng(7);
  const n = 200_000;
  const moments = (draw: () => number) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = draw();
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    return { mean, variance: s2 / n - mean * mean };
  };
  const u = moments(() => rng.uniform());
  assert.ok(Math.abs(u.mean - 0.5) < 0.005 && Math.abs(u.variance - 1 / 12) < 0.002, JSON.stringify(u));
  const g = moments(() => rng.normal());
  assert.ok(Math.abs(g.mean) < 0.01 && Math.abs(g.variance - 1) < 0.02, JSON.stringify(g));
  for (const lambda of [0.5, 4, 100]) {
    const p = moments(() => rng.poisson(lambda));
    assert.ok(Math.abs(p.mean - lambda) < 0.02 * lambda + 0.01, `poisson(${lambda}) mean ${p.mean}`);
    assert.ok(Math.abs(p.variance - lambda) < 0.05 * lambda + 0.02, `poisson(${lambda}) variance ${p.variance}`);
  }
});
