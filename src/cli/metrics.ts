import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { readTiff } from '../io/tiff.js';
import { pairMetrics } from '../metrics/pair-metrics.js';
import { DEFAULT_ROI_THRESHOLDS, type MetricValues } from '../metrics/types.js';

interface RawMetricsOptions {
  scale: string;
  border?: string;
  roiThresholds?: string;
  json?: boolean;
}

/** Parses an integer option (>= min). */
export function intOption(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SrcacoError('usage', `${option} must be an integer >= ${min}, received '${value}'`, { option });
  return n;
}

/** Parses `--roi-thresholds 4,5,6` (or `4-10`). */
export function thresholdsOption(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const range = /^(\d+)-(\d+)$/.exec(value);
  const list = range
    ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i)
    : value.split(',').map(Number);
  if (list.length === 0 || list.some((t) => !Number.isFinite(t) || t < 0 || t > 255)) {
    throw new SrcacoError('usage', `--roi-thresholds must be numbers in 0..255 like '4,5,6' or '4-10', received '${value}'`, { option: '--roi-thresholds' });
  }
  return list;
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
    .requiredOption('--scale <s>', 'super-resolution factor (2, 4 or 8); also the border removed from every side')
    .option('--border <px>', 'pixels removed from every side (default: the scale)')
    .option('--roi-thresholds <list>', `ROI thresholds on the 0..255 HR (default ${DEFAULT_ROI_THRESHOLDS[0]}-${DEFAULT_ROI_THRESHOLDS.at(-1)})`)
    .option('--json', 'print one JSON object')
    .action(async (predPath: string, hrPath: string, raw: RawMetricsOptions) => {
      const scale = intOption(raw.scale, '--scale', 1);
      const borderPx = raw.border === undefined ? undefined : intOption(raw.border, '--border', 0);
      const roiThresholds = thresholdsOption(raw.roiThresholds);
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
