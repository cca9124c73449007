import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { SR_SCALES, type SrScale } from '../io/layout.js';
import { readTiff } from '../io/tiff.js';
import { type RegistrationMode, estimateShift, estimateShiftJoint } from '../prep/register.js';
import { integerOption, scaleOption } from './options.js';

interface RegisterOptions {
  scale: SrScale;
  mode: string;
  plane?: number;
  maxShift?: number;
  json?: boolean;
}

const SIGN_HELP = `
Sign convention (the simulator's truth.json uses the same): (dy, dx) in HR pixels says where each LR pixel looks:
LR pixel (Y, X) is centred on HR coordinate (Y*s + (s-1)/2 + dy, X*s + (s-1)/2 + dx). A positive dy means the LR
shows content from larger y (further down) than the HR at the same place, i.e. the LR image looks moved up by dy/s
LR pixels; a positive dx, moved left. Registering moves the LR content by +shift: registered(P) = lr(P - shift/s).
skimage's optical_flow_tvl1(hr, lr_upsampled) mean flow is -shift.

Modes:
  default      sub-pixel shift at LR resolution against the HR area-downsampled by s (prefiltered Gauss-Newton
               after a coarse correlation search); confidence = correlation of the aligned pair (0..1);
               multi-plane files: one shift for all markers, weighted by each plane's standard error
  seed-compat  the original SR-CACO-2 estimate: mean TV-L1 flow (scikit-image defaults) of the nearest-upsampled
               LR, rounded to whole HR pixels`;

/** `srcaco register HR LR --scale S`: the shift of LR relative to HR that prep would apply. */
export function register(program: Command): void {
  program
    .command('register')
    .description('estimate the global shift of an LR image relative to its HR image, in HR pixels (as prep registers patches)')
    .argument('<hr>', 'HR TIFF; several planes (markers) are registered jointly unless --plane picks one')
    .argument('<lr>', 'LR TIFF of the same field, HR size divided by the scale')
    .addOption(scaleOption(`HR size / LR size (${SR_SCALES.join(', ')})`).makeOptionMandatory())
    .option('--mode <mode>', 'default | seed-compat', 'default')
    .addOption(integerOption('--plane <i>', 'use only this plane (marker) index of multi-plane TIFFs', { min: 0 }))
    .addOption(integerOption('--max-shift <px>', 'largest |shift| searched by the default mode, HR px (default 96)', { min: 1 }))
    .option('--json', 'print {"dy", "dx", "confidence"} as one JSON object')
    .addHelpText('after', SIGN_HELP)
    .action(async (hrPath: string, lrPath: string, raw: RegisterOptions) => {
      const { scale } = raw;
      if (raw.mode !== 'default' && raw.mode !== 'seed-compat') {
        throw new SrcacoError('usage', `--mode must be 'default' or 'seed-compat', received '${raw.mode}'`, { option: '--mode' });
      }
      const mode: RegistrationMode = raw.mode;
      const [planeIndex, maxShiftHrPx] = [raw.plane, raw.maxShift];
      const hrPlanes = await planes(hrPath, planeIndex);
      const lrPlanes = await planes(lrPath, planeIndex);
      if (hrPlanes.length !== lrPlanes.length) {
        throw new SrcacoError('data', `HR has ${hrPlanes.length} planes and LR ${lrPlanes.length}; give the same markers or pick one with --plane`, { path: lrPath });
      }
      const [hr, lr] = [hrPlanes[0]!, lrPlanes[0]!];
      if (hr.width !== lr.width * scale || hr.height !== lr.height * scale) {
        throw new SrcacoError(
          'data',
          `HR ${hr.width}x${hr.height} is not LR ${lr.width}x${lr.height} times --scale ${scale}; give the same field at both resolutions or the right --scale`,
          { path: lrPath, option: '--scale' },
        );
      }
      if (hrPlanes.length > 1 && mode === 'seed-compat') {
        throw new SrcacoError('usage', `seed-compat registers one plane at a time, as the original did; the files have ${hrPlanes.length} planes: pick one with --plane`, { option: '--plane' });
      }
      const shift = hrPlanes.length > 1 ? estimateShiftJoint(hrPlanes, lrPlanes, scale, { maxShiftHrPx }) : estimateShift(hr, lr, scale, { mode, maxShiftHrPx });
      if (raw.json) {
        process.stdout.write(`${JSON.stringify({ dy: shift.dyHrPx, dx: shift.dxHrPx, confidence: shift.confidence, mode, scale, planes: hrPlanes.length })}\n`);
        return;
      }
      const sign = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(mode === 'default' ? 3 : 0);
      process.stdout.write(
        `LR relative to HR: dy ${sign(shift.dyHrPx)} dx ${sign(shift.dxHrPx)} HR px ` +
          `(${sign(shift.dyHrPx / scale)}, ${sign(shift.dxHrPx / scale)} LR px; confidence ${shift.confidence.toFixed(3)}, ${mode}` +
          `${hrPlanes.length > 1 ? `, ${hrPlanes.length} planes jointly` : ''})\n`,
      );
    });
}

/** All planes of a TIFF, or only plane `index`. */
async function planes(path: string, index: number | undefined): Promise<Plane[]> {
  const all = await readTiff(path);
  if (index === undefined) return all;
  const plane = all[index];
  if (!plane) throw new SrcacoError('usage', `--plane ${index} does not exist; the file has ${all.length} planes`, { path, option: '--plane' });
  return [plane];
}
