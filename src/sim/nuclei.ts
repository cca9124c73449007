import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTileModel } from './band.js';
import type { SimParams } from './params.js';
import { nearestCells, nucleusRadiusUm, tissueOwner, type Region } from './render.js';
import type { Specimen } from './specimen.js';
import type { Truth } from './truth.js';

/** One nucleus cut by the focal plane, in the HR pixel frame of the region it was listed for. */
export interface NucleusTruth {
  /** Its value in the label image (1..n, in order of the list). */
  label: number;
  /** Index of the cell in the tile's specimen (stable across regions of one tile). */
  cell: number;
  /** Centre of the nucleus (the cell centre projected on the plane), in region pixels (may lie outside it). */
  yPx: number;
  xPx: number;
  /** Radius of the disc the focal plane cuts from the nucleus sphere, before Voronoi and shell clipping. */
  radiusPx: number;
  mitotic: boolean;
  /** Labelled pixels inside the region. */
  areaPx: number;
  /** True where the nucleus is cut by the region's border (part of it lies outside). */
  cut: boolean;
}

export interface NucleusTruthMap {
  region: Region;
  nuclei: NucleusTruth[];
  /** Row-major region-sized label image: 0 background, k the nucleus with `label` k. */
  labels: Uint16Array;
}

/**
 * The nuclei of the rendered H2B plane (CELL2) over a region of a tile, exactly as renderFocalPlane draws them
 * before blur: a pixel belongs to the nucleus of its nearest cell centre (3D) when it lies within that nucleus'
 * sphere (mitotic ones condensed to 0.6 of the radius), the cell owns it, and it is inside the cyst's shell.
 * A nucleus is `cut` when its disc (centre ± radius) reaches past the region's border.
 */
export function nucleusTruth(params: SimParams, specimen: Specimen, region: Region): NucleusTruthMap {
  const { height, width, y0, x0 } = region;
  const px = params.pixelSizeHrUm;
  const { best1, owner1 } = nearestCells(params, specimen, region);
  const owner = tissueOwner(params, specimen, region, owner1, best1);
  const cells = specimen.cells;
  const labelOf = new Map<number, number>();
  const area: number[] = [];
  const labels = new Uint16Array(height * width);
  for (let i = 0; i < labels.length; i++) {
    const c = owner[i]!;
    // renderFocalPlane's inNucleus > 1/2: the distance is below the radius
    if (c < 0 || best1[i]! >= nucleusRadiusUm(cells, c) ** 2) continue;
    let label = labelOf.get(c);
    if (label === undefined) {
      label = labelOf.size + 1;
      labelOf.set(c, label);
      area.push(0);
    }
    labels[i] = label;
    area[label - 1]!++;
  }
  const nuclei: NucleusTruth[] = [...labelOf].map(([c, label]) => {
    const rNuc = nucleusRadiusUm(cells, c);
    const radiusPx = Math.sqrt(Math.max(0, rNuc * rNuc - cells.zUm[c]! ** 2)) / px;
    const yPx = cells.yUm[c]! / px - y0, xPx = cells.xUm[c]! / px - x0;
    const cut = yPx - radiusPx < -0.5 || xPx - radiusPx < -0.5 || yPx + radiusPx > height - 0.5 || xPx + radiusPx > width - 0.5;
    const round = (v: number) => Math.round(v * 100) / 100;
    return { label, cell: c, yPx: round(yPx), xPx: round(xPx), radiusPx: round(radiusPx), mitotic: cells.mitotic[c] === 1, areaPx: area[label - 1]!, cut };
  });
  return { region, nuclei, labels };
}

/** The nucleus truth of a region of tile `tileId` of a simulated dataset (rebuilt from its seed: no pixels needed). */
export function tileNucleusTruth(params: SimParams, seed: number, tileId: number, sizeHrPx: number, region?: Region): NucleusTruthMap {
  const model = buildTileModel(params, seed, tileId, sizeHrPx);
  return nucleusTruth(params, model.specimen, region ?? { y0: 0, x0: 0, height: sizeHrPx, width: sizeHrPx });
}

/** A simulated tiles folder's truth.json, or undefined when the tiles were not simulated by srcaco. */
export async function readSimTruth(tilesDir: string): Promise<Truth | undefined> {
  const truth = await readFile(join(tilesDir, 'truth.json'), 'utf8').then((t) => JSON.parse(t) as Truth).catch(() => undefined);
  return truth?.format === 'srcaco-sim-truth' ? truth : undefined;
}

/** Nucleus truth of HR patches of simulated tiles: each tile's specimen rebuilt once from the seed. */
export class PatchNucleusTruth {
  private readonly specimens = new Map<number, Specimen>();
  constructor(private readonly truth: Truth) {}

  /** The truth of the HR patch cut `marginPx` inside window (i, j) of tile `tileId` (a duplicate reads its source). */
  of(tileId: number, window: { i: number; j: number }, size: number, marginPx: number): NucleusTruthMap {
    const source = this.truth.tiles.find((t) => t.id === tileId)?.duplicateOf ?? tileId;
    let specimen = this.specimens.get(source);
    if (!specimen) {
      specimen = buildTileModel(this.truth.params, this.truth.seed, source, this.truth.sizeHrPx).specimen;
      this.specimens.set(source, specimen);
    }
    return nucleusTruth(this.truth.params, specimen, { y0: window.i + marginPx, x0: window.j + marginPx, height: size, width: size });
  }
}
