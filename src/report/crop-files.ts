import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeTiff } from '../io/tiff.js';
import { readSinglePlane } from '../metrics/measure-pair.js';
import type { CropSet } from './crops.js';
import type { CropWindow } from './crop-window.js';

/** One entry of crops.json: a CropSet whose planes are one-plane TIFFs named relative to the folder. */
export interface CropSetFile {
  cell: string;
  scale: number;
  patchId: string;
  lr: string;
  hr: string;
  predictions: Array<{ method: string; image: string }>;
  windowHr?: CropWindow;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Writes crop sets as `dir/crops.json` plus one TIFF per plane, the format `readCropSets` and `srcaco report --crops` read. */
export async function writeCropSets(dir: string, sets: readonly CropSet[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries: CropSetFile[] = [];
  for (const [i, s] of sets.entries()) {
    const name = (what: string) => `${i}_${slug(what)}.tif`;
    await writeTiff(join(dir, name('lr')), [s.lr]);
    await writeTiff(join(dir, name('hr')), [s.hr]);
    const predictions = [];
    for (const [k, p] of s.predictions.entries()) {
      const file = name(`pred${k}_${p.method}`);
      await writeTiff(join(dir, file), [p.image]);
      predictions.push({ method: p.method, image: file });
    }
    entries.push({ cell: s.cell, scale: s.scale, patchId: s.patchId, lr: name('lr'), hr: name('hr'), predictions, ...(s.windowHr ? { windowHr: s.windowHr } : {}) });
  }
  await writeFileAtomic(join(dir, 'crops.json'), `${JSON.stringify(entries, null, 2)}\n`);
}

function isCropSetFile(v: unknown): v is CropSetFile {
  const e = v as CropSetFile;
  return (
    !!e &&
    typeof e.cell === 'string' &&
    typeof e.scale === 'number' &&
    typeof e.patchId === 'string' &&
    typeof e.lr === 'string' &&
    typeof e.hr === 'string' &&
    Array.isArray(e.predictions) &&
    e.predictions.every((p) => !!p && typeof p.method === 'string' && typeof p.image === 'string')
  );
}

/** Reads `dir/crops.json` and the TIFFs it names (paths relative to `dir`). */
export async function readCropSets(dir: string): Promise<CropSet[]> {
  const index = join(dir, 'crops.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(index, 'utf8'));
  } catch (e) {
    throw new SrcacoError('input', `cannot read the crop list (${(e as Error).message}); --crops expects a folder with crops.json and TIFFs`, { path: index, cause: e });
  }
  if (!Array.isArray(parsed)) throw new SrcacoError('input', 'crops.json must be a list of {cell, scale, patchId, lr, hr, predictions: [{method, image}]}', { path: index });
  const sets: CropSet[] = [];
  for (const [i, e] of parsed.entries()) {
    if (!isCropSetFile(e)) throw new SrcacoError('input', `entry ${i} is not {cell, scale, patchId, lr, hr, predictions: [{method, image}]}`, { path: index });
    const predictions = [];
    for (const p of e.predictions) predictions.push({ method: p.method, image: await readSinglePlane(join(dir, p.image), `${p.method} crop`) });
    sets.push({
      cell: e.cell,
      scale: e.scale,
      patchId: e.patchId,
      lr: await readSinglePlane(join(dir, e.lr), 'LR crop'),
      hr: await readSinglePlane(join(dir, e.hr), 'HR crop'),
      predictions,
      ...(e.windowHr ? { windowHr: e.windowHr } : {}),
    });
  }
  return sets;
}
