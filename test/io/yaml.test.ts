// The YAML PyYAML's yaml.dump writes (fixture by scripts/fixtures/pth-fixtures.py), and what is refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SrcacoError } from '../../src/errors.js';
import { parseYaml } from '../../src/io/yaml.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'pth');

test("yaml.dump's output reads as the object PyYAML dumped", () => {
  const doc = parseYaml(readFileSync(join(dir, 'yaml-dump.yml'), 'utf8'));
  assert.deepEqual(doc, JSON.parse(readFileSync(join(dir, 'yaml-dump.json'), 'utf8')));
});

test("the original run's config_model.yml: nested netG, folded text, lists of lists", () => {
  const run = 'original-run/MemNet/caco2_train_X_4_in_128_out_512_cell_CELL2/id_12_19_2023_17_22_14_708626__8881047-tsk_super-resolution-x_4-netG_MemNet-sd_0-l2_yes-ssim_yes';
  const doc = parseYaml(readFileSync(join(dir, run, 'config_model.yml'), 'utf8')) as Record<string, any>;
  assert.equal(doc.scale, 4);
  assert.equal(doc.exp_id, '12_19_2023_17_22_14_708626__8881047');
  assert.equal(doc.netG.net_type, 'MemNet');
  assert.equal(doc.netG.MemNet_num_memory_blocks, 1);
  assert.equal(doc.netG.MemNet_init_gain, 1);
  assert.deepEqual(doc.level_config, { 2: [[8, 8, 8]], 4: [[8, 8], [8]] });
  assert.deepEqual(doc.train.G_scheduler_milestones, [30, 60, 90]);
  assert.match(doc.note, /^a long note .* at its default width of eighty characters, as a long free-text option would be$/);
});

test('tags, complex keys and stray text are refused with their line', () => {
  const refuses = (text: string, re: RegExp) => assert.throws(() => parseYaml(text, 'c.yml'), (e: unknown) => e instanceof SrcacoError && re.test(e.message));
  refuses('a: 1\nargs: !!python/object:argparse.Namespace\n  x: 1\n', /line 2: the tag !!python\/object:argparse.Namespace/);
  refuses('? [a, b]\n: 1\n', /line 1: a complex mapping key/);
  refuses('a: 1\n  b\nc d\n', /line 3: expected 'key: value' in a mapping, found 'c d'/);
  refuses('- 1\nb: 2\n', /line 2: unexpected 'b: 2' after the document/);
  refuses('a: *nowhere\n', /alias \*nowhere before its anchor/);
  refuses('a: "open\n', /unterminated/);
});
