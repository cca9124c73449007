import type { Command } from 'commander';
import { STAR_TRAIN_DEFAULTS, trainStarDetector } from '../downstream/train-stardist.js';
import { integerOption, numberOption, outOption, seedOption, threadsOption } from './options.js';
import { progressBar } from './progress.js';

interface RawTrainOptions {
  out: string;
  seed: number;
  dataSeed: number;
  tiles: number;
  tileSize: number;
  steps: number;
  batch: number;
  patch: number;
  lr: number;
  threads?: number;
}

/** `srcaco detector train`: the StarDist-style nucleus detector that `srcaco downstream` ships. */
export function register(program: Command): void {
  const detector = program.command('detector').description('the StarDist-style nucleus detector of `srcaco downstream`');
  const d = STAR_TRAIN_DEFAULTS;
  detector
    .command('train')
    .description('train it with the engine on simulated H2B HR images and their nucleus truth (the defaults made the shipped weights, assets/stardist-cell2.safetensors)')
    .addOption(outOption('run folder (config.json, log.csv, stardist.safetensors, validation.json)').makeOptionMandatory())
    .addOption(seedOption('seed of the initial weights and of the patch draw').default(d.seed))
    .addOption(integerOption('--data-seed <n>', 'simulation seed of the training tiles (held-out tiles: seed 202)', { min: 0, max: 2 ** 32 - 1 }).default(d.dataSeed))
    .addOption(integerOption('--tiles <n>', 'training tiles simulated', { min: 1 }).default(d.tiles))
    .addOption(integerOption('--tile-size <px>', 'side of the simulated tiles (HR px)', { min: 64 }).default(d.tileSize))
    .addOption(integerOption('--steps <n>', 'training steps', { min: 1 }).default(d.steps))
    .addOption(integerOption('--batch <n>', 'patches per step', { min: 1 }).default(d.batch))
    .addOption(integerOption('--patch <px>', 'patch side (a multiple of 8)', { min: 8 }).default(d.patch))
    .addOption(numberOption('--lr <x>', "Adam's initial learning rate (half cosine to 5%)", { above: 0 }).default(d.lr))
    .addOption(threadsOption('default 2'))
    .action(async (raw: RawTrainOptions) => {
      const bar = progressBar('detector train', raw.steps, 'steps');
      try {
        const { weightsPath, validation } = await trainStarDetector({ ...raw, outDir: raw.out, onStep: (_s, _n, loss) => bar.tick(1, { loss: loss.toFixed(3) }) });
        bar.stop();
        const line = (name: string, s: typeof validation.stardist) => `${name}: F1 ${s.f1.toFixed(3)} (TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives})`;
        process.stdout.write(`held-out tiles: ${line('stardist-style', validation.stardist)}; ${line('classical', validation.classical)}\nwrote ${weightsPath}\n`);
      } finally {
        bar.stop();
      }
    });
}
