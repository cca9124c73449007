import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as api from '../src/index.js';

// The public API is explicit: a change to it shows up here and must be intended.
// Refresh the snapshot with `node --import tsx scripts/api-snapshot.mjs > test/api.snapshot.txt`.
test('public API exports match the snapshot', () => {
  const snapshot = readFileSync(new URL('./api.snapshot.txt', import.meta.url), 'utf8').trim().split('\n');
  assert.deepEqual(Object.keys(api).sort(), snapshot);
});
