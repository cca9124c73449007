import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModelFixture, modelFixtureNames, readFixtureSafetensors } from '../fixtures/models/load.js';

// The reference fixtures are useful only if TypeScript regenerates exactly the weights PyTorch used.
test('every model fixture regenerates its weights from the Rng recipe (sums match PyTorch float32 sums)', () => {
  assert.ok(modelFixtureNames.length >= 9);
  for (const name of modelFixtureNames) {
    const f = loadModelFixture(name);
    for (const [key, shape, dtype] of f.keys) {
      if (dtype === 'I64') continue;
      const w = f.weights.get(key)!;
      assert.equal(w.length, shape.reduce((a, b) => a * b, 1), `${name} ${key}`);
      let sum = 0;
      for (const v of w) sum += v;
      assert.equal(sum, f.config.weights[key]!.sum, `${name} ${key}`);
    }
    const [n, c, h, w] = f.config.output_shape;
    assert.equal(f.output.length, n! * c! * h! * w!, name);
    assert.equal(f.up.length, f.output.length, name);
  }
});

test('weights.safetensors holds the same tensors, by the original state_dict names', () => {
  for (const name of ['srcnn915_x2', 'memnet_m1r1_x4']) {
    const f = loadModelFixture(name);
    const st = readFixtureSafetensors(name);
    assert.deepEqual([...st.keys()], f.keys.map((k) => k[0]));
    for (const [key, shape, dtype] of f.keys) {
      const t = st.get(key)!;
      assert.deepEqual(t.shape, shape, key);
      assert.equal(t.dtype, dtype, key);
      if (dtype === 'F32') assert.deepEqual(t.data, f.weights.get(key), key);
      else assert.equal((t.data as BigInt64Array)[0], 0n, key);
    }
  }
});
