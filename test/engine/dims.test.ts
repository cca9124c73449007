// Symbolic dims: the affine forms shape rules compare.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimAffine, dimFloorDiv } from '../../src/engine/dims.js';

test('a strided window over a multiple of its stride simplifies back to an affine dim', () => {
  // DBPN ×4: a k8 s4 p2 conv over the 4·H output of a transposed conv gives H again.
  const hr = dimAffine('H', 4, 1, 0);
  assert.equal(hr, '4*H');
  assert.equal(dimAffine(dimFloorDiv(hr, 2 + 2 - 8, 4), 1, 1, 1), 'H');
  assert.equal(dimFloorDiv('6*H+1', 3, 2), '3*H+2');
  assert.equal(dimFloorDiv('2*H', -3, 2), 'H-2');
  // Where the stride does not divide the coefficient the floor stays opaque.
  assert.equal(dimFloorDiv('3*H', 0, 2), 'floor((3*H+0)/2)');
  assert.equal(dimFloorDiv('H/2', 0, 2), 'floor((H/2+0)/2)');
  assert.equal(dimFloorDiv(10, -3, 4), 1);
});
