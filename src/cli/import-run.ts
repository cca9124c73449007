/** `srcaco import-run`: an original SR-CACO-2 run folder (its G-model.pth and saved configuration) as a srcaco run folder. */
import type { Command } from 'commander';
import { importOriginalRun } from '../train/import-run.js';
import { dataOption, outOption } from './options.js';

interface ImportRunRaw {
  out: string;
  data?: string;
  name?: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('import-run')
    .description("make a run folder of the original code (best-models/G-model.pth, config_model.yml) a srcaco run: eval --run, upscale --run and report then use it")
    .argument('<dir>', 'the original run folder, e.g. …/MemNet/caco2_train_X_2_in_256_out_512_cell_CELL0/id_…-netG_MemNet-…')
    .addOption(outOption('parent folder of the runs').default('runs'))
    .addOption(dataOption('data root that eval --run uses (default: give --data to eval)'))
    .option('--name <id>', "run id (default: the original folder's name)")
    .option('--force', 'replace an earlier import of the same run')
    .action(async (dir: string, raw: ImportRunRaw) => {
      const run = await importOriginalRun(dir, { out: raw.out, dataRoot: raw.data, name: raw.name, force: raw.force });
      const { method, scale, cell } = run.config;
      process.stdout.write(`${method} x${scale} ${cell}: imported ${dir} -> ${run.dir}\n`);
    });
}
