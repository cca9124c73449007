// `srcaco models`: the registry as a table and as JSON, with parameter counts equal to PyTorch's
// `sum(p.numel() for p in model.parameters())` for the original architectures (from the fixtures' state_dicts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { ModelSummary } from '../../src/models/registry.js';
import { modelNames } from '../../src/models/registry.js';
import { loadModelFixture, modelFixtureNames } from '../fixtures/models/load.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('srcaco models --json: parameter counts equal PyTorch parameters() of the original architectures at the fixtures scales', () => {
  const r = srcaco('models', '--json');
  assert.equal(r.status, 0, r.stderr);
  const models = JSON.parse(r.stdout) as ModelSummary[];
  assert.deepEqual(models.map((m) => m.name), modelNames());
  let checked = 0;
  for (const name of modelFixtureNames) {
    const f = loadModelFixture(name);
    const { scale, ...config } = f.config.params;
    const m = models.find((x) => x.name === f.config.arch)!;
    if (!Object.entries(config).every(([k, v]) => m.defaults[k] === v)) continue; // `models` counts the default configuration
    // PyTorch's parameters(): the state_dict without BatchNorm's buffers.
    const isBuffer = (k: string) => /\.(running_mean|running_var|num_batches_tracked)$/.test(k);
    const torch = f.keys.filter(([k]) => !isBuffer(k)).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(m.params[`x${scale}`], torch, name);
    checked++;
  }
  assert.equal(checked, 6, 'srcnn x2, srcnn915 x2, vdsr x2 and x4, drrn x2, memnet x2');
  const memnet = models.find((m) => m.name === 'memnet')!;
  assert.deepEqual(memnet.defaults, { num_memory_blocks: 6, num_residual_blocks: 6, recompute: -1 });
  assert.deepEqual(memnet.presets, { demo: { num_memory_blocks: 2, num_residual_blocks: 2 } });
  assert.equal(memnet.displayName, 'MemNet');
  assert.equal(memnet.family, 'pre-upsampling');
});

test('srcaco models: one row per model with family, scales, parameters, outputs trained on, defaults and presets', () => {
  const r = srcaco('models');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^method\s+paper name\s+family\s+scales\s+parameters\s+trained on\s+defaults\s+presets$/);
  assert.equal(lines.length, 1 + modelNames().length);
  assert.match(r.stdout, /\nvdsr\s+VDSR\s+pre-upsampling\s+x2 x4 x8\s+664,704\s+last output\s+-\s+-\n/);
  assert.match(r.stdout, /\ndrrn\s+DRRN\s+.*num_residual_units=25\s+demo: num_residual_units=3\n/);
});
