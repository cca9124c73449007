import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportBioimageio } from '../infer/bioimageio.js';
import { exportOnnx } from '../infer/export.js';
import { RunFolder } from '../train/run-folder.js';
import { choiceOption } from './options.js';

interface ExportOptions {
  run: string;
  format: 'bioimageio' | 'onnx';
  out: string;
  author?: string[];
  license: string;
}

/** `srcaco export`: a training run's best weights as a bioimage.io model package, or the bare ONNX inference graph. */
export function register(program: Command): void {
  program
    .command('export')
    .description("export a training run's best model: a bioimage.io model package (zip, spec 0.5: deepImageJ/Fiji, ilastik, BiaPy) or the ONNX inference graph alone")
    .requiredOption('--run <dir>', 'a training run folder (its config.json and best.safetensors)')
    .addOption(choiceOption('--format <format>', 'bioimageio (model package zip) or onnx (input x, output y)', ['bioimageio', 'onnx']).default('bioimageio'))
    .requiredOption('--out <dir>', 'folder for <method>_x<scale>.bioimageio.zip or <method>_x<scale>.onnx (written atomically)')
    .option('--author <name...>', 'bioimage.io: who trained the weights (default "srcaco")')
    .option('--license <spdx>', 'bioimage.io: SPDX licence of the weights', 'MIT')
    .action(async (raw: ExportOptions) => {
      const run = await RunFolder.open(raw.run);
      const state = await run.loadWeights('best');
      await mkdir(raw.out, { recursive: true });
      const stem = join(raw.out, `${run.model.name}_x${run.model.scale}`);
      const path = raw.format === 'onnx' ? `${stem}.onnx` : `${stem}.bioimageio.zip`;
      if (raw.format === 'onnx') {
        await exportOnnx(run.model, state, path);
      } else {
        const cell = run.config.cell === undefined ? '' : ` ${run.config.cell}`;
        await exportBioimageio(run.model, state, path, { authors: raw.author, license: raw.license, trainedOn: `SR-CACO-2${cell} (srcaco run ${run.dir})` });
      }
      process.stdout.write(`${path}\n`);
    });
}
