import type { SimParams } from './params.js';
import type { Specimen } from './specimen.js';
import { TEXTURE_MASK, TEXTURE_SIZE } from './texture.js';

/** A rectangle of the HR pixel grid of a tile (may extend past the tile: the specimen continues). */
export interface Region {
  y0: number;
  x0: number;
  height: number;
  width: number;
}

/** The in-focus fluorophore signal of the three markers over a region, in expected 8-bit counts per scan. */
export interface MarkerMaps {
  survivin: Float32Array;
  ecadherin: Float32Array;
  h2b: Float32Array;
}

/** Chromatin (fine) and cytoplasm (coarse) textures, from `smoothNoiseTexture`. */
export interface Textures {
  chromatin: Float32Array;
  cytoplasm: Float32Array;
}

const SOFT_EDGE_UM = 0.3;

/**
 * Renders the focal plane z = 0 of the specimen: each pixel belongs to the nearest cell centre in 3D
 * (a Voronoi tessellation of the cyst wall, cut by the plane) if it lies inside the cyst's tissue shell.
 * H2B fills the nucleus (a sphere around the centre) with chromatin texture; E-cadherin marks the Voronoi
 * faces between two cells of the same cyst (cell-cell contacts), over a faint cytoplasmic level; survivin is
 * a faint diffuse stain plus Gaussian midbody puncta. No blur here: optics.ts applies the PSF.
 */
export function renderFocalPlane(params: SimParams, specimen: Specimen, textures: Textures, region: Region): MarkerMaps {
  const { height, width, y0, x0 } = region;
  const n = height * width;
  const { best1, best2, owner1, owner2 } = nearestCells(params, specimen, region);
  const cells = specimen.cells;

  const b = params.brightness;
  const survivin = new Float32Array(n), ecadherin = new Float32Array(n), h2b = new Float32Array(n);
  const membrane2 = 2 * params.membraneSigmaUm * params.membraneSigmaUm;
  const owner = tissueOwner(params, specimen, region, owner1, best1);
  for (let yy = 0; yy < height; yy++) {
    for (let xx = 0; xx < width; xx++) {
      const i = yy * width + xx;
      const c = owner[i]!;
      if (c < 0) continue;
      const k = cells.cyst[c]!;
      const off = cells.textureOffset[c]!;
      const ty = ((yy + y0 + (off >> 8)) & TEXTURE_MASK) * TEXTURE_SIZE;
      const tx = (xx + x0 + off) & TEXTURE_MASK;
      const chromatin = textures.chromatin[ty + tx]!;
      const cytoTexture = textures.cytoplasm[ty + tx]!;
      // nucleus: a sphere around the cell centre; mitotic chromatin is condensed to a smaller, brighter body
      const mitotic = cells.mitotic[c] === 1;
      const rNuc = nucleusRadiusUm(cells, c);
      const inNucleus = clamp01((rNuc - Math.sqrt(best1[i]!)) / SOFT_EDGE_UM + 0.5);
      const nucleusSignal = mitotic
        ? b.h2bMitotic * Math.max(0.2, 0.8 + 0.5 * chromatin)
        : b.h2bNucleus * Math.max(0.3, 0.85 + 0.35 * chromatin);
      h2b[i] = inNucleus * nucleusSignal + (1 - inNucleus) * b.h2bCytoplasm;
      // membrane: distance to the bisector plane of the two nearest centres, if both are of this cyst
      let ecad = b.ecadCytoplasm * (1 + 0.25 * cytoTexture) * (1 - 0.5 * inNucleus);
      const c2 = owner2[i]!;
      if (c2 >= 0 && cells.cyst[c2] === k) {
        const sep2 = (cells.xUm[c]! - cells.xUm[c2]!) ** 2 + (cells.yUm[c]! - cells.yUm[c2]!) ** 2 + (cells.zUm[c]! - cells.zUm[c2]!) ** 2;
        const toFace = (best2[i]! - best1[i]!) / (2 * Math.sqrt(sep2));
        ecad += b.ecadMembrane * Math.exp(-(toFace * toFace) / membrane2);
      }
      ecadherin[i] = ecad;
      survivin[i] = b.survivinDiffuse * Math.max(0, 1 + 0.3 * cytoTexture) * (1 - 0.4 * inNucleus);
    }
  }
  stampMidbodies(params, specimen, region, survivin);
  return { survivin, ecadherin, h2b };
}

/** Per pixel of the region, the two nearest cell centres in 3D (squared distances and indices; -1 where none reaches). */
export interface NearestCells {
  best1: Float32Array;
  best2: Float32Array;
  owner1: Int32Array;
  owner2: Int32Array;
}

/**
 * The Voronoi ownership of the focal plane: stamps every cell over the pixels it can reach (0.8 cell diameters),
 * keeping the two nearest centres per pixel. Shared by the renderer and the nucleus truth labels, so both agree.
 */
export function nearestCells(params: SimParams, specimen: Specimen, region: Region): NearestCells {
  const { height, width, y0, x0 } = region;
  const n = height * width;
  const px = params.pixelSizeHrUm;
  const d = params.specimen.cellDiameterUm;
  const reach = 0.8 * d;
  const best1 = new Float32Array(n).fill(Infinity), best2 = new Float32Array(n).fill(Infinity);
  const owner1 = new Int32Array(n).fill(-1), owner2 = new Int32Array(n).fill(-1);
  const cells = specimen.cells;
  const regionX0Um = x0 * px, regionY0Um = y0 * px;
  const regionX1Um = (x0 + width) * px, regionY1Um = (y0 + height) * px;

  // Stamp every cell over the pixels it can reach, keeping the two nearest centres per pixel.
  for (let c = 0; c < cells.count; c++) {
    const z = cells.zUm[c]!;
    const rr = reach * reach - z * z;
    if (rr <= 0) continue;
    const cx = cells.xUm[c]!, cy = cells.yUm[c]!;
    const rPlane = Math.sqrt(rr);
    if (cx + rPlane < regionX0Um || cx - rPlane > regionX1Um || cy + rPlane < regionY0Um || cy - rPlane > regionY1Um) continue;
    const ya = Math.max(0, Math.floor((cy - rPlane) / px) - y0), yb = Math.min(height - 1, Math.ceil((cy + rPlane) / px) - y0);
    const xa = Math.max(0, Math.floor((cx - rPlane) / px) - x0), xb = Math.min(width - 1, Math.ceil((cx + rPlane) / px) - x0);
    const z2 = z * z;
    for (let yy = ya; yy <= yb; yy++) {
      const dy = (yy + y0) * px - cy;
      const dyz = dy * dy + z2;
      let i = yy * width + xa;
      for (let xx = xa; xx <= xb; xx++, i++) {
        const dx = (xx + x0) * px - cx;
        const dist2 = dx * dx + dyz;
        if (dist2 < best1[i]!) {
          best2[i] = best1[i]!;
          owner2[i] = owner1[i]!;
          best1[i] = dist2;
          owner1[i] = c;
        } else if (dist2 < best2[i]!) {
          best2[i] = dist2;
          owner2[i] = c;
        }
      }
    }
  }

  return { best1, best2, owner1, owner2 };
}

/**
 * The cell each pixel belongs to (-1: none): its nearest centre, if that cell reaches it (0.75 cell diameters)
 * and the pixel lies inside the cyst's tissue shell (not in the lumen, not outside).
 */
export function tissueOwner(params: SimParams, specimen: Specimen, region: Region, owner1: Int32Array, best1: Float32Array): Int32Array {
  const { height, width, y0, x0 } = region;
  const px = params.pixelSizeHrUm;
  const maxOwn2 = (0.75 * params.specimen.cellDiameterUm) ** 2;
  const owner = new Int32Array(height * width).fill(-1);
  for (let yy = 0; yy < height; yy++) {
    const yUm = (yy + y0) * px;
    for (let xx = 0; xx < width; xx++) {
      const i = yy * width + xx;
      const c = owner1[i]!;
      if (c < 0 || best1[i]! > maxOwn2) continue;
      const cyst = specimen.cysts[specimen.cells.cyst[c]!]!;
      const r2 = ((xx + x0) * px - cyst.cxUm) ** 2 + (yUm - cyst.cyUm) ** 2 + cyst.czUm ** 2;
      if (r2 > cyst.outerRadiusUm ** 2 || r2 < cyst.innerRadiusUm ** 2) continue;
      owner[i] = c;
    }
  }
  return owner;
}

/** The radius of cell c's nucleus sphere: mitotic chromatin is condensed to a smaller, brighter body. */
export function nucleusRadiusUm(cells: Specimen['cells'], c: number): number {
  return cells.nucleusRadiusUm[c]! * (cells.mitotic[c] === 1 ? 0.6 : 1);
}

/** Adds each midbody as a Gaussian punctum, attenuated by its distance from the focal plane. */
function stampMidbodies(params: SimParams, specimen: Specimen, region: Region, survivin: Float32Array): void {
  const px = params.pixelSizeHrUm;
  const sigma = params.midbodySigmaUm;
  const axialSigmaUm = 0.8;
  const reachPx = Math.ceil((3 * sigma) / px);
  const mb = specimen.midbodies;
  for (let m = 0; m < mb.count; m++) {
    const z = mb.zUm[m]!;
    if (Math.abs(z) > 3 * axialSigmaUm) continue;
    const amp = params.brightness.survivinMidbody * Math.exp(-(z * z) / (2 * axialSigmaUm ** 2));
    const cyPx = mb.yUm[m]! / px - region.y0, cxPx = mb.xUm[m]! / px - region.x0;
    const ya = Math.max(0, Math.floor(cyPx) - reachPx), yb = Math.min(region.height - 1, Math.ceil(cyPx) + reachPx);
    const xa = Math.max(0, Math.floor(cxPx) - reachPx), xb = Math.min(region.width - 1, Math.ceil(cxPx) + reachPx);
    const inv = (px * px) / (2 * sigma * sigma);
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        survivin[y * region.width + x]! += amp * Math.exp(-((y - cyPx) ** 2 + (x - cxPx) ** 2) * inv);
      }
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
