import type { Plane } from '../image/plane.js';
import { grid, unitFloat32 } from './registration/skimage-ops.js';
import { opticalFlowTvl1 } from './registration/tvl1.js';
import { identityAligner, seedCompatResample, type AlignedPatch, type WindowAligner } from './align-window.js';
import type { PrepMode } from './windows.js';

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function upsampleNearest(lr: Plane<Uint8Array>, scale: number): Uint8Array {
  const w = lr.width * scale;
  const out = new Uint8Array(w * lr.height * scale);
  for (let y = 0; y < lr.height * scale; y++) {
    const src = Math.floor(y / scale) * lr.width;
    for (let x = 0; x < w; x++) out[y * w + x] = lr.data[src + Math.floor(x / scale)]!;
  }
  return out;
}

/** The original's registration: TV-L1 flow of the nearest-upsampled LR, mean rounded to whole HR pixels. */
export function seedCompatAlign(hrWindow: Plane<Uint8Array>, lrWindow: Plane<Uint8Array>, scale: number): AlignedPatch {
  const rows = hrWindow.height;
  const cols = hrWindow.width;
  const flow = opticalFlowTvl1(
    grid(rows, cols, unitFloat32(hrWindow.data, 255)),
    grid(rows, cols, unitFloat32(upsampleNearest(lrWindow, scale), 255)),
  );
  let sv = 0;
  let su = 0;
  for (let k = 0; k < flow.v.length; k++) {
    sv += flow.v[k]!;
    su += flow.u[k]!;
  }
  const mv = sv / flow.v.length;
  const mu = su / flow.u.length;
  let near = 0;
  for (let k = 0; k < flow.v.length; k++) if (Math.hypot(flow.v[k]! - mv, flow.u[k]! - mu) <= 1) near++;
  const dy = roundHalfEven(mv);
  const dx = roundHalfEven(mu);
  return { lrPatch: seedCompatResample(lrWindow, scale, dy, dx), shiftHrPx: { dy, dx }, confidence: near / flow.v.length };
}

/** The registration each mode uses. */
export function alignerFor(mode: PrepMode): WindowAligner {
  if (mode === 'seed-compat') return (hr, lr, scale) => seedCompatAlign(hr, lr, scale);
  return identityAligner;
}
