import type { Rng } from '../util/random.js';
import type { SimParams } from './params.js';

/**
 * The specimen model: Caco-2 cysts grown 5 days in Geltrex. A cyst is a sphere of cells — hollow and
 * single-layered around an open lumen, multi-layered (2-3 cell layers), or solid — with outer radii spread
 * log-uniformly over more than an order of magnitude (volumes over three). Cells sit on concentric spherical
 * layers (Fibonacci lattice, randomly rotated, jittered); the optical section is the plane z = 0 and only
 * cells near it are kept. All lengths are in micrometres, x/y in tile coordinates (x = column * pixel size),
 * z relative to the focal plane.
 */
export interface Cyst {
  cxUm: number;
  cyUm: number;
  czUm: number;
  outerRadiusUm: number;
  /** 0 for a solid cyst. */
  innerRadiusUm: number;
  kind: 'hollow' | 'multilayer' | 'solid';
}

/** Cells near the focal plane, as parallel arrays (compact, and identical in every worker). */
export interface Cells {
  count: number;
  xUm: Float64Array;
  yUm: Float64Array;
  zUm: Float64Array;
  nucleusRadiusUm: Float32Array;
  mitotic: Uint8Array;
  cyst: Int32Array;
  /** Offsets into the chromatin texture, so neighbouring nuclei do not look alike. */
  textureOffset: Int32Array;
}

/** Survivin-labelled midbodies (the bridge between two daughter cells), as 3D points. */
export interface Midbodies {
  count: number;
  xUm: Float64Array;
  yUm: Float64Array;
  zUm: Float64Array;
}

export interface Specimen {
  tileSizeUm: number;
  cysts: Cyst[];
  cells: Cells;
  midbodies: Midbodies;
  /** Fraction of the tile covered by tissue in the focal plane (analytic, before clipping to the tile). */
  tissueCoverage: number;
}

/** Cells further than this (in cell diameters) from the focal plane cannot own a pixel of it. */
const SLAB_HALF_CELLS = 1.2;

/** Generates the specimen under one tile (side `tileSizeUm`) from its own random stream. */
export function generateSpecimen(params: SimParams, tileSizeUm: number, rng: Rng): Specimen {
  const sp = params.specimen;
  const d = sp.cellDiameterUm;
  const targetCoverage = sp.coverage[0] + rng.uniform() * (sp.coverage[1] - sp.coverage[0]);
  const tileArea = tileSizeUm * tileSizeUm;
  const maxRadius = Math.max(sp.cystRadiusUm[0] * 1.5, Math.min(sp.cystRadiusUm[1], tileSizeUm / 4));
  const cysts: Cyst[] = [];
  let tissueArea = 0;
  for (let draw = 0; draw < 20000 && tissueArea < targetCoverage * tileArea; draw++) {
    const r = sp.cystRadiusUm[0] * Math.pow(maxRadius / sp.cystRadiusUm[0], rng.uniform());
    const kind = pickKind(sp.cystTypeWeights, rng.uniform());
    const layers = kind === 'hollow' ? 1 : kind === 'multilayer' ? 2 + rng.int(2) : Infinity;
    const inner = Math.max(0, r - layers * d);
    const cz = (rng.uniform() * 2 - 1) * 0.6 * r;
    const section = Math.sqrt(r * r - cz * cz);
    for (let attempt = 0; attempt < 30; attempt++) {
      const cx = rng.uniform() * tileSizeUm;
      const cy = rng.uniform() * tileSizeUm;
      const overlaps = cysts.some((c) => {
        const cs = Math.sqrt(c.outerRadiusUm ** 2 - c.czUm ** 2);
        return Math.hypot(c.cxUm - cx, c.cyUm - cy) < section + cs + 2;
      });
      if (overlaps) continue;
      cysts.push({ cxUm: cx, cyUm: cy, czUm: cz, outerRadiusUm: r, innerRadiusUm: inner, kind });
      const innerSection = inner > Math.abs(cz) ? Math.sqrt(inner * inner - cz * cz) : 0;
      tissueArea += Math.PI * (section * section - innerSection * innerSection);
      break;
    }
  }
  const cells = placeCells(params, cysts, rng);
  const midbodies = placeMidbodies(params, cells, cysts, rng);
  return { tileSizeUm, cysts, cells, midbodies, tissueCoverage: tissueArea / tileArea };
}

function pickKind(weights: [number, number, number], u: number): Cyst['kind'] {
  const total = weights[0] + weights[1] + weights[2];
  if (u * total < weights[0]) return 'hollow';
  if (u * total < weights[0] + weights[1]) return 'multilayer';
  return 'solid';
}

function placeCells(params: SimParams, cysts: Cyst[], rng: Rng): Cells {
  const sp = params.specimen;
  const d = sp.cellDiameterUm;
  const slab = SLAB_HALF_CELLS * d;
  const xs: number[] = [], ys: number[] = [], zs: number[] = [], owner: number[] = [];
  const golden = Math.PI * (3 - Math.sqrt(5));
  cysts.forEach((cyst, k) => {
    const rot = randomRotation(rng);
    for (let layerR = cyst.outerRadiusUm - d / 2; layerR > -d / 4; layerR -= d) {
      if (layerR < cyst.innerRadiusUm) break;
      const r = Math.max(layerR, 0);
      // hexagonal packing: each cell takes (sqrt(3)/2) d^2 of the layer's surface
      const n = Math.max(1, Math.round((4 * Math.PI * r * r) / (0.866 * d * d)));
      const phase = rng.uniform() * 2 * Math.PI;
      for (let i = 0; i < n; i++) {
        const uz = n === 1 ? 0 : 1 - (2 * (i + 0.5)) / n;
        const rho = Math.sqrt(1 - uz * uz);
        const phi = i * golden + phase;
        const ux = rho * Math.cos(phi), uy = rho * Math.sin(phi);
        const z = cyst.czUm + r * (rot[6]! * ux + rot[7]! * uy + rot[8]! * uz);
        if (Math.abs(z) > slab) continue;
        xs.push(cyst.cxUm + r * (rot[0]! * ux + rot[1]! * uy + rot[2]! * uz) + 0.1 * d * rng.normal());
        ys.push(cyst.cyUm + r * (rot[3]! * ux + rot[4]! * uy + rot[5]! * uz) + 0.1 * d * rng.normal());
        zs.push(z + 0.1 * d * rng.normal());
        owner.push(k);
      }
    }
  });
  const count = xs.length;
  const cells: Cells = {
    count,
    xUm: Float64Array.from(xs),
    yUm: Float64Array.from(ys),
    zUm: Float64Array.from(zs),
    nucleusRadiusUm: new Float32Array(count),
    mitotic: new Uint8Array(count),
    cyst: Int32Array.from(owner),
    textureOffset: new Int32Array(count),
  };
  const [rMin, rMax] = sp.nucleusRadiusUm;
  for (let i = 0; i < count; i++) {
    cells.nucleusRadiusUm[i] = rMin + rng.uniform() * (rMax - rMin);
    cells.mitotic[i] = rng.uniform() < sp.mitoticFraction ? 1 : 0;
    cells.textureOffset[i] = rng.uint32() & 0xffff;
  }
  return cells;
}

/** A midbody sits half a cell diameter from a cell centre, tangential to its layer (between daughters). */
function placeMidbodies(params: SimParams, cells: Cells, cysts: Cyst[], rng: Rng): Midbodies {
  const d = params.specimen.cellDiameterUm;
  const xs: number[] = [], ys: number[] = [], zs: number[] = [];
  for (let i = 0; i < cells.count; i++) {
    if (rng.uniform() >= params.specimen.midbodyFraction) continue;
    const c = cysts[cells.cyst[i]!]!;
    const radial = [cells.xUm[i]! - c.cxUm, cells.yUm[i]! - c.cyUm, cells.zUm[i]! - c.czUm];
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const rr = radial[0]! ** 2 + radial[1]! ** 2 + radial[2]! ** 2 || 1;
    const along = (v[0]! * radial[0]! + v[1]! * radial[1]! + v[2]! * radial[2]!) / rr;
    const t = v.map((vi, j) => vi - along * radial[j]!);
    const norm = Math.hypot(t[0]!, t[1]!, t[2]!) || 1;
    xs.push(cells.xUm[i]! + (0.5 * d * t[0]!) / norm);
    ys.push(cells.yUm[i]! + (0.5 * d * t[1]!) / norm);
    zs.push(cells.zUm[i]! + (0.5 * d * t[2]!) / norm);
  }
  return { count: xs.length, xUm: Float64Array.from(xs), yUm: Float64Array.from(ys), zUm: Float64Array.from(zs) };
}

/** A uniformly random 3x3 rotation (row-major), from a random unit quaternion. */
function randomRotation(rng: Rng): number[] {
  let q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!) || 1;
  q = q.map((v) => v / n);
  const [w, x, y, z] = q as [number, number, number, number];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}
