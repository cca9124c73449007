import type { Command } from 'commander';
import { runDownstream } from '../downstream/downstream.js';
import type { Cell, SrScale } from '../io/layout.js';
import { DEFAULT_DETECTOR } from '../downstream/open-detector.js';
import { cellOption, dataOption, integerOption, numberOption, outOption, scaleOption, seedOption } from './options.js';
import { progressBar } from './progress.js';

interface RawDownstreamOptions {
  data: string;
  cell: Cell;
  scale: SrScale;
  methods: string;
  n: number;
  seed: number;
  out: string;
  detector: string;
  probThresh: number;
  nmsThresh: number;
}

/** `srcaco downstream`: nucleus counts of super-resolved test images against HR's (and the simulator's truth). */
export function register(program: Command): void {
  program
    .command('downstream')
    .description("nucleus detection on N random test images per method: counts, F1 vs truth (or HR), over/under-segmentation, Steel's test vs HR; writes downstream.json")
    .addOption(dataOption().makeOptionMandatory())
    .addOption(cellOption().makeOptionMandatory())
    .addOption(scaleOption().makeOptionMandatory())
    .requiredOption('--methods <list>', 'comma-separated: bicubic and/or training run folders')
    .addOption(integerOption('--n <n>', 'test images drawn at random', { min: 1 }).default(30))
    .addOption(seedOption('seed of the image draw').default(0))
    .option('--detector <d>', "stardist (srcaco's StarDist-style U-Net, shipped weights), classical (LoG + watershed), a `detector train` run's stardist.safetensors, or a StarDist model exported to .onnx", DEFAULT_DETECTOR)
    .addOption(numberOption('--prob-thresh <p>', 'StarDist probability threshold', { min: 0 }).default(0.6))
    .addOption(numberOption('--nms-thresh <t>', 'StarDist NMS overlap threshold', { min: 0 }).default(0.4))
    .addOption(outOption('output folder (downstream.json, overlays/)').makeOptionMandatory())
    .action(async (raw: RawDownstreamOptions) => {
      const methods = raw.methods.split(',').map((m) => m.trim()).filter(Boolean);
      const bar = progressBar('downstream', raw.n, 'images');
      try {
        const { path, result } = await runDownstream({ dataRoot: raw.data, cell: raw.cell, scale: raw.scale, methods, n: raw.n, seed: raw.seed, outDir: raw.out, detector: raw.detector, probThreshold: raw.probThresh, nmsThreshold: raw.nmsThresh, onImage: () => bar.tick() });
        for (const m of result.methods) {
          const mean = m.counts.reduce((a, b) => a + b, 0) / m.counts.length;
          const steel = m.steel ? `, Steel z ${m.steel.statistic.toFixed(2)} p ${m.steel.pValue.toFixed(4)}` : ' (control)';
          process.stdout.write(`${m.name}: ${mean.toFixed(1)} nuclei/image, F1 ${m.match.f1.toFixed(3)} vs ${result.reference}${steel}\n`);
        }
        process.stdout.write(`wrote ${path}\n`);
      } finally {
        bar.stop();
      }
    });
}
