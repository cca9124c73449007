// The registry as the one source of the README's model table, the CLI's --method help and display names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { methodHelp, modelDisplayName, modelNames, modelTableMarkdown } from '../../src/models/registry.js';

test("README.md holds exactly the registry's model table between its models markers", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const match = /<!-- models:begin -->\n([\s\S]*?)\n?<!-- models:end -->/.exec(readme);
  assert.ok(match, 'README.md lost its <!-- models:begin --> / <!-- models:end --> markers');
  assert.equal(match[1]!.trim(), modelTableMarkdown(), 'regenerate the table: node --import tsx scripts/readme-models.mjs');
});

test('the model table has one row per registered model; --method help and display names come from the registry', () => {
  const rows = modelTableMarkdown().split('\n').slice(2);
  assert.deepEqual(rows.map((r) => /^\| `([a-z0-9]+)` \|/.exec(r)?.[1]), modelNames());
  assert.match(modelTableMarkdown(), /\| `memnet` \| MemNet \| pre-upsampling \| ×2 ×4 ×8 \| 2,904,962 \|/);
  assert.equal(methodHelp(), `model: ${modelNames().join(', ')}`);
  // Every model but the bicubic baseline has parameters (listed generally: each new network adds to it).
  assert.equal(methodHelp({ trainable: true }), `model: ${modelNames().filter((n) => n !== 'bicubic').join(', ')}`);
  assert.match(methodHelp({ trainable: true }), /^model: srcnn, srcnn915, vdsr, drrn, memnet/);
  assert.deepEqual(['srcnn915', 'MEMNET', 'bicubic', 'nosuch'].map(modelDisplayName), ['SRCNN-915', 'MemNet', 'Bicubic', 'nosuch']);
});
