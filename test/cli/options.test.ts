// The CLI's one vocabulary: shared parsers with one message format, the same flag meaning the same thing in
// every command, and options a mode ignores refused with one line. Runs `main` in-process (no child process).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildProgram } from '../../src/cli/index.js';
import { parseChoice, parseInteger, parseNumber, parseThresholds } from '../../src/cli/options.js';
import { defaultWorkers } from '../../src/util/worker-pool.js';
import { isSrcacoError } from '../../src/errors.js';
import { modelNames } from '../../src/models/registry.js';
import { SR_SCALES } from '../../src/io/layout.js';
import { cli } from './helpers/in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));


/** Exit 1 with exactly `srcaco: <message>` on one line. */
async function refused(argv: string[], message: string): Promise<void> {
  const r = await cli(...argv);
  assert.equal(r.code, 1, argv.join(' '));
  assert.equal(r.stderr, `srcaco: ${message}\n`, argv.join(' '));
}

const usage = (message: string) => (e: unknown) => isSrcacoError(e) && e.kind === 'usage' && e.message === message;

test('parseInteger: decimal digits only, one message format with the range', () => {
  assert.equal(parseInteger(' 7 ', '--workers', { min: 1 }), 7);
  assert.equal(parseInteger('0', '--qc', { min: 0 }), 0);
  for (const bad of ['x', '', '2.5', '1e3', '0x10', '0']) {
    assert.throws(() => parseInteger(bad, '--workers', { min: 1 }), usage(`--workers must be an integer ≥ 1, received '${bad}'`));
  }
  assert.throws(() => parseInteger('0', '--tiles', { min: 1, max: 10_000, what: 'the number of tiles' }), usage("--tiles must be the number of tiles, an integer from 1 to 10000, received '0'"));
  assert.throws(() => parseInteger('-1', '--seed', { min: 0, max: 2 ** 32 - 1 }), usage(`--seed must be an integer from 0 to ${2 ** 32 - 1}, received '-1'`));
  assert.equal(parseInteger('-9', '--x'), -9);
});

test('parseNumber, parseChoice and parseThresholds: typed values or one line naming the option', () => {
  assert.equal(parseNumber('3e-4', '--lr', { above: 0 }), 3e-4);
  assert.throws(() => parseNumber('0', '--lr', { above: 0 }), usage("--lr must be a number > 0, received '0'"));
  assert.throws(() => parseNumber('', '--clip-grad', { min: 0 }), usage("--clip-grad must be a number ≥ 0, received ''"));
  assert.throws(() => parseNumber('Infinity', '--minutes'), usage("--minutes must be a number, received 'Infinity'"));
  assert.equal(parseChoice('4', SR_SCALES, '--scale'), 4);
  assert.throws(() => parseChoice('3', SR_SCALES, '--scale'), usage("--scale must be one of 2, 4, 8, received '3'"));
  assert.deepEqual(parseThresholds('4-6'), [4, 5, 6]);
  assert.deepEqual(parseThresholds('4,9'), [4, 9]);
  assert.throws(() => parseThresholds('4,300'), usage("--roi-thresholds must be numbers in 0..255 like '4,5,6' or '4-10', received '4,300'"));
});

test('a shared flag fails with the same line in every command that takes it', async () => {
  const data = join(dir, 'data');
  await refused(['eval', '--data', data, '--cell', 'CELL0', '--scale', '2', '--method', 'bicubic', '--workers', 'x'], "--workers must be an integer ≥ 1, received 'x'");
  await refused(['prep', '--tiles', data, '--out', data, '--workers', 'x'], "--workers must be an integer ≥ 1, received 'x'");
  await refused(['simulate', '--out', data, '--workers', 'x'], "--workers must be an integer ≥ 1, received 'x'");
  await refused(['train', '--method', 'srcnn', '--cell', 'CELL9'], "--cell must be one of CELL0, CELL1, CELL2, received 'CELL9'");
  await refused(['eval', '--cell', 'CELL9'], "--cell must be one of CELL0, CELL1, CELL2, received 'CELL9'");
  for (const command of [['train'], ['eval'], ['upscale', 'in.tif', 'out.tif'], ['metrics', 'a.tif', 'b.tif'], ['register', 'a.tif', 'b.tif']]) {
    await refused([...command, '--scale', '3'], "--scale must be one of 2, 4, 8, received '3'");
  }
  for (const command of [['train'], ['eval', '--run', dir], ['upscale', 'in.tif', 'out.tif']]) {
    await refused([...command, '--device', 'tpu'], "--device must be one of cpu, webgpu, cuda, received 'tpu'");
    await refused([...command, '--threads', '0'], "--threads must be an integer ≥ 1, received '0'");
  }
  await refused(['train', '--seed', '-1'], `--seed must be the random seed, an integer from 0 to ${2 ** 32 - 1}, received '-1'`);
  await refused(['simulate', '--out', data, '--seed', '1.5'], `--seed must be the random seed, an integer from 0 to ${2 ** 32 - 1}, received '1.5'`);
  await refused(['upscale', 'in.tif', 'out.tif', '--method', 'nosuch'], `unknown method 'nosuch'; known: ${modelNames().join(', ')}`);
});

test('--split is a split name everywhere; a split JSON is --split-file; --out is a folder; --device where a model runs', async () => {
  const commands = new Map(buildProgram().commands.map((c) => [c.name(), c]));
  const flags = (name: string) => commands.get(name)!.options.map((o) => o.flags);
  for (const name of ['prep', 'audit', 'stats']) {
    assert.ok(flags(name).includes('--split-file <file>'), name);
    assert.ok(!flags(name).some((f) => f.startsWith('--split ')), name);
  }
  for (const name of ['eval', 'report']) assert.ok(flags(name).includes('--split <name>'), name);
  for (const [name, c] of commands) {
    for (const o of c.options) {
      if (o.long === '--out') assert.equal(o.flags, '--out <dir>', name);
      if (o.long === '--split') assert.equal(o.flags, '--split <name>', name);
    }
  }
  assert.deepEqual([...commands].filter(([, c]) => c.options.some((o) => o.long === '--device')).map(([n]) => n).sort(), ['eval', 'train', 'upscale']);
  for (const name of ['simulate', 'prep', 'eval']) assert.equal(commands.get(name)!.options.find((o) => o.long === '--workers')!.defaultValue, defaultWorkers(), name);

  await refused(['eval', '--data', dir, '--cell', 'CELL0', '--scale', '2', '--method', 'bicubic', '--split', 'split.json'], "--split must be one of train, val, test, received 'split.json'");
  await refused(['report', '--results', dir, '--out', dir, '--split', 'validation'], "--split must be one of train, val, test, received 'validation'");
  const old = await cli('audit', dir, '--split', 'split.json');
  assert.equal(old.code, 2);
  assert.match(old.stderr, /^error: unknown option '--split'/);
});

test('options a mode ignores are refused with one line instead of dropped', async () => {
  const run = join(dir, 'no-run');
  await refused(['eval', '--run', run, '--method', 'srcnn'], '--method does not go with --run (the run folder says what to evaluate)');
  await refused(['eval', '--run', run, '--workers', '2'], '--workers does not go with --run (the run folder says what to evaluate)');
  await refused(['eval', '--run', run, '--out', dir], '--out does not go with --run (the run folder says what to evaluate)');
  await refused(['eval', '--data', dir, '--cell', 'CELL0', '--scale', '2', '--method', 'bicubic', '--device', 'cpu'], '--device goes only with --run (bicubic and --pred run no model)');
  await refused(['eval', '--data', dir, '--cell', 'CELL0', '--scale', '2', '--method', 'bicubic', '--save-pred', dir], '--save-pred goes only with --run (bicubic and --pred run no model)');
  const fixed = "does not go with --resume (the run's config.json fixes it; start a new run to change it)";
  await refused(['train', '--resume', run, '--lr', '0.1'], `--lr ${fixed}`);
  await refused(['train', '--resume', run, '--steps', '1', '--method', 'vdsr'], `--method ${fixed}`);
  await refused(['train', '--resume', run, '--zero-last-layer'], `--zero-last-layer ${fixed}`);
  // what --resume may change gets through to the run folder (which does not exist here)
  const r = await cli('train', '--resume', run, '--steps', '1', '--device', 'cpu', '--workers', '0', '--threads', '1');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^srcaco: .*no-run.*\n$/);
  await refused(['upscale', 'in.tif', 'out.tif', '--run', run, '--preset', 'demo'], "--preset does not go with --run (the run folder holds the weights and the model's preset)");
  await refused(['upscale', 'in.tif', 'out.tif', '--run', run, '--weights', 'w.safetensors'], "--weights does not go with --run (the run folder holds the weights and the model's preset)");
});
