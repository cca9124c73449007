import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

// The public API is explicit: a change to it shows up here and must be intended.
test('public API exports', () => {
  assert.deepEqual(Object.keys(api).sort(), ['SrcacoError', 'isSrcacoError']);
});
