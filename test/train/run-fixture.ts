// A tiny dataset in the prep layout for training tests: uint8 HR patches of blobs, LR as their rounded box
// average, train/val/test pair lists for one cell and scale. Made by the tests, a few kilobytes.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { splitFolderName, type Cell, type SplitName, type SrScale } from '../../src/io/layout.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { writeTiff } from '../../src/io/tiff.js';
import { areaDownsample } from '../../src/prep/registration/resample.js';
import { Rng } from '../../src/util/random.js';

/** One HR/LR pair: smooth bright blobs on a dark, slightly noisy background. */
function pairPlanes(hrSide: number, scale: number, seed: number) {
  const rng = new Rng(seed);
  const fx = 4 + 3 * rng.uniform();
  const fy = 5 + 3 * rng.uniform();
  const hr = new Uint8Array(hrSide * hrSide);
  for (let y = 0; y < hrSide; y++) {
    for (let x = 0; x < hrSide; x++) {
      const v = Math.max(0, Math.sin(x / fx + seed) * Math.cos(y / fy)) * 180 + 6 * rng.uniform();
      hr[y * hrSide + x] = Math.min(255, Math.round(v));
    }
  }
  const lr = areaDownsample({ width: hrSide, height: hrSide, data: hr }, scale);
  return { lr: planeOf(lr.width, lr.height, Uint8Array.from(lr.data, Math.round)), hr: planeOf(hrSide, hrSide, hr) };
}

/** Writes `counts` pairs per split under a fresh temporary data root and returns it. */
export async function writeTinyDataset(
  o: { cell?: Cell; scale?: SrScale; hrSide?: number; counts?: Partial<Record<SplitName, number>> } = {},
): Promise<string> {
  const cell = o.cell ?? 'CELL2';
  const scale = o.scale ?? 2;
  const hrSide = o.hrSide ?? 64;
  const counts = { train: 6, val: 2, test: 2, ...o.counts };
  const root = await mkdtemp(join(tmpdir(), 'srcaco-train-'));
  await mkdir(join(root, 'hr_div_1'), { recursive: true });
  await mkdir(join(root, `hr_div_${scale}`), { recursive: true });
  let id = 0;
  for (const split of ['train', 'val', 'test'] as const) {
    const lines: string[] = [];
    for (let k = 0; k < counts[split]; k++, id++) {
      const { lr, hr } = pairPlanes(hrSide, scale, id);
      const hrRel = `hr_div_1/tile_HighRes1024-${id + 1}_0_0_${hrSide}_0_${hrSide}_${cell}.tif`;
      const lrRel = `hr_div_${scale}/tile_LowRes-${id + 1}_0_0_${hrSide / scale}_0_${hrSide / scale}_${cell}.tif`;
      await writeTiff(join(root, hrRel), [hr]);
      await writeTiff(join(root, lrRel), [lr]);
      lines.push(`${lrRel},${hrRel}`);
    }
    const folder = join(root, splitFolderName(split, scale, cell));
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'l_h.txt'), `${lines.join('\n')}\n`);
  }
  return root;
}

/** A safetensors file's tensors as raw bytes, by name. */
export async function tensorsOf(path: string): Promise<Map<string, Uint8Array>> {
  const content = await readSafetensors(path);
  return new Map([...content.tensors].map(([k, t]) => [k, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

/** Asserts that two run folders hold the same checkpoint tensors, bit for bit, in each of `files`. */
export async function assertSameCheckpoints(dirA: string, dirB: string, files = ['last.safetensors', 'last.optim.safetensors', 'best.safetensors']): Promise<void> {
  for (const file of files) {
    const a = await tensorsOf(join(dirA, file));
    const b = await tensorsOf(join(dirB, file));
    assert.deepEqual([...a.keys()], [...b.keys()], file);
    for (const [k, v] of a) assert.ok(Buffer.from(v).equals(Buffer.from(b.get(k)!)), `${file}: ${k} differs`);
  }
}
