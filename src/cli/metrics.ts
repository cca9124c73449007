import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { SR_SCALES, type SrScale } from '../io/layout.js';
import { readTiff } from '../io/tiff.js';
import { pairMetrics } from '../metrics/pair-metrics.js';
import type { MetricValues } from '../metrics/types.js';
import { borderOption, roiThresholdsOption, scaleOption } from './options.js';

interface MetricsOptions {
  scale: SrScale;
  border?: number;
  roiThresholds?: number[];
  json?: boolean;
}

async function readOnePlane(path: string, what: string): Promise<Plane> {
  const planes = await readTiff(path);
  if (planes.length !== 1) throw new SrcacoError('input', `the ${what} has ${planes.length} planes; give a one-plane (one marker) TIFF`, { path });
  return planes[0]!;
}

const fmt = (m: MetricValues) => `PSNR ${m.psnr.toFixed(2)} dB  NRMSE ${m.nrmse.toFixed(4)}  SSIM ${m.ssim.toFixed(4)}  MSE ${m.mse.toFixed(3)}`;

/** `srcaco metrics PRED HR --scale S`: one pair's metrics, as in the published tables. */
export function register(program: Command): void {
  program
    .command('metrics')
    .description('PSNR, NRMSE, SSIM and MSE of one prediction against its HR patch, full image and ROI (HR >= 4..10), as in the paper')
    .argument('<pred>', 'prediction TIFF: uint8 (0..255) or float32 (0..1)')
    .argument('<hr>', 'ground-truth HR TIFF, uint8')
    .addOption(scaleOption(`super-resolution factor (${SR_SCALES.join(', ')}); also the border removed from every side`).makeOptionMandatory())
    .addOption(borderOption())
    .addOption(roiThresholdsOption())
    .option('--json', 'print one JSON object')
    .action(async (predPath: string, hrPath: string, raw: MetricsOptions) => {
      const { scale, border: borderPx, roiThresholds } = raw;
      const [pred, hr] = [await readOnePlane(predPath, 'prediction'), await readOnePlane(hrPath, 'HR image')];
      const m = pairMetrics(pred, hr, { scale, borderPx, roiThresholds, predPath, truthPath: hrPath });
      if (raw.json) {
        const { full, roi, roiEmpty, roiEmptyThresholds } = m;
        process.stdout.write(`${JSON.stringify({ full, roi, roiEmpty, roiEmptyThresholds })}\n`);
        return;
      }
      process.stdout.write(`full image: ${fmt(m.full)}\n`);
      process.stdout.write(
        m.roiEmpty
          ? `ROI:        empty at HR >= ${m.roiEmptyThresholds.join(', ')} (the original would report ${m.roi.psnr.toFixed(2)} dB); left out of ROI means\n`
          : `ROI:        ${fmt(m.roi)}\n`,
      );
    });
}
