import { bleachFactors, type BleachFactors } from './bleach.js';
import { detector } from './detector.js';
import { defocusHaze, gaussianBlur } from './optics.js';
import { LR_SCALES, MARKERS, psfSigmaHrPx, type LrScale, type MarkerName, type SimParams } from './params.js';
import { renderFocalPlane, type Region, type Textures } from './render.js';
import { generateSpecimen, type Specimen } from './specimen.js';
import { drawStageShifts, maxShiftHrPx, type ShiftGrid } from './stage.js';
import { STREAM, streamRng } from './streams.js';
import { smoothNoiseTexture } from './texture.js';

/**
 * One tile's acquisition, one band (row of fields) at a time. A band is the unit of parallel work: it needs
 * only the tile model (specimen, stage shifts: cheap, and identical wherever it is rebuilt from the seed) and
 * produces finished uint8 rows of the HR and the three LR images. Each field is rendered once, blurred once
 * per marker, then sampled by the HR scan and by the three shifted LR scans.
 */
export interface TileModel {
  seed: number;
  tileId: number;
  sizeHrPx: number;
  specimen: Specimen;
  textures: Textures;
  shifts: Record<LrScale, ShiftGrid>;
  bleach: Record<MarkerName, BleachFactors>;
}

/** Builds the (deterministic) model of tile `tileId`: its specimen, textures, stage shifts and bleaching. */
export function buildTileModel(params: SimParams, seed: number, tileId: number, sizeHrPx: number): TileModel {
  const specimenRng = streamRng(seed, tileId, STREAM.specimen);
  const specimen = generateSpecimen(params, sizeHrPx * params.pixelSizeHrUm, specimenRng);
  const textures = { chromatin: smoothNoiseTexture(specimenRng, 1.5), cytoplasm: smoothNoiseTexture(specimenRng, 6) };
  const shifts = drawStageShifts(params, streamRng(seed, tileId, STREAM.stage));
  return { seed, tileId, sizeHrPx, specimen, textures, shifts, bleach: bleachFactors(params) };
}

/** Boundaries of the field grid along one axis of an image of `size` pixels: field i spans [b[i], b[i+1]). */
export function fieldBounds(size: number, fields: number): number[] {
  return Array.from({ length: fields + 1 }, (_, i) => Math.round((i * size) / fields));
}

/** The pixels of one band: HR rows and, per LR scale, LR rows; planes in marker order (CELL0..2). */
export interface BandPixels {
  fieldRow: number;
  hr: { row0: number; rows: number; planes: Uint8Array[] };
  lr: Record<LrScale, { row0: number; rows: number; planes: Uint8Array[] }>;
}

/** Simulates the acquisition of field row `fieldRow` of a tile (all markers, HR and LR). */
export function simulateBand(params: SimParams, model: TileModel, fieldRow: number): BandPixels {
  const f = params.fieldsPerSide;
  const size = model.sizeHrPx;
  const hrBounds = fieldBounds(size, f);
  const lrSizes = Object.fromEntries(LR_SCALES.map((s) => [s, Math.floor(size / s)])) as Record<LrScale, number>;
  const lrBounds = Object.fromEntries(LR_SCALES.map((s) => [s, fieldBounds(lrSizes[s], f)])) as Record<LrScale, number[]>;
  const margin = Math.ceil(maxShiftHrPx(params)) + 2 * 8 + 12;

  const row0 = hrBounds[fieldRow]!, rows = hrBounds[fieldRow + 1]! - row0;
  const hrPlanes = MARKERS.map(() => new Uint8Array(rows * size));
  const lr = {} as BandPixels['lr'];
  for (const s of LR_SCALES) {
    const r0 = lrBounds[s][fieldRow]!;
    const n = lrBounds[s][fieldRow + 1]! - r0;
    lr[s] = { row0: r0, rows: n, planes: MARKERS.map(() => new Uint8Array(n * lrSizes[s])) };
  }

  for (let fx = 0; fx < f; fx++) {
    const col0 = hrBounds[fx]!, cols = hrBounds[fx + 1]! - col0;
    const region: Region = { y0: row0 - margin, x0: col0 - margin, height: rows + 2 * margin, width: cols + 2 * margin };
    const maps = renderFocalPlane(params, model.specimen, model.textures, region);
    const haze = defocusHaze(params, model.specimen, region);
    const fieldIndex = fieldRow * f + fx;
    MARKERS.forEach((m, mi) => {
      const expected = gaussianBlur(maps[m], region.width, region.height, psfSigmaHrPx(params, m));
      const hazeCounts = params.markers[m].hazeCounts;
      for (let i = 0; i < expected.length; i++) expected[i]! += hazeCounts * haze[i]!;
      // HR: the mean of 8 scans, read straight off the expected image
      const hrDigitise = detector(params, params.hrAveraging, streamRng(model.seed, model.tileId, STREAM.noise, fieldIndex, 0, mi));
      const bleachHr = model.bleach[m].hr;
      const out = hrPlanes[mi]!;
      for (let y = 0; y < rows; y++) {
        let src = (y + margin) * region.width + margin;
        let dst = y * size + col0;
        for (let x = 0; x < cols; x++) out[dst++] = hrDigitise(bleachHr * expected[src++]!);
      }
      // LR: one scan per scale, shifted, point-sampled across lines and integrated along them
      LR_SCALES.forEach((s, si) => {
        const shift = model.shifts[s][fieldRow]![fx]!;
        const digitise = detector(params, 1, streamRng(model.seed, model.tileId, STREAM.noise, fieldIndex, 1 + si, mi));
        const bleach = model.bleach[m].lr[String(s)]!;
        const band = lr[s];
        const lrCol0 = lrBounds[s][fx]!, lrCols = lrBounds[s][fx + 1]! - lrCol0;
        const width = lrSizes[s];
        const target = band.planes[mi]!;
        for (let yl = 0; yl < band.rows; yl++) {
          const yHr = (band.row0 + yl) * s + (s - 1) / 2 + shift.dyHrPx - region.y0;
          for (let xl = 0; xl < lrCols; xl++) {
            const xStart = (lrCol0 + xl) * s + shift.dxHrPx - region.x0;
            let sum = 0;
            for (let k = 0; k < s; k++) sum += bilinear(expected, region.width, region.height, yHr, xStart + k);
            target[yl * width + lrCol0 + xl] = digitise((bleach * sum) / s);
          }
        }
      });
    });
  }
  return { fieldRow, hr: { row0, rows, planes: hrPlanes }, lr };
}

function bilinear(img: Float32Array, width: number, height: number, y: number, x: number): number {
  const yi = Math.min(height - 2, Math.max(0, Math.floor(y)));
  const xi = Math.min(width - 2, Math.max(0, Math.floor(x)));
  const fy = y - yi, fx = x - xi;
  const i = yi * width + xi;
  return (1 - fy) * ((1 - fx) * img[i]! + fx * img[i + 1]!) + fy * ((1 - fx) * img[i + width]! + fx * img[i + width + 1]!);
}
