import { copyFile, mkdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { SrcacoError } from '../errors.js';
import { tilePath, type Scale } from '../io/layout.js';
import { removeTemporaries, writeFileAtomic } from '../io/atomic.js';
import { lockFolder } from '../io/folder-lock.js';
import { writeTiff } from '../io/tiff.js';
import { buildTileModel, fieldBounds } from './band.js';
import { startBandPool, type BandPool } from './pool.js';
import { defaultSimParams, LR_SCALES, psfSigmaHrPx, MARKERS, type SimParams } from './params.js';
import { allocateTile, placeBand, type SimulatedTile } from './tile.js';
import { bleachFactors } from './bleach.js';
import { buildTruth, type TileTruth } from './truth.js';
import { tileNucleusTruth } from './nuclei.js';
import { planeOf } from '../image/plane.js';
import { defaultWorkers } from '../util/worker-pool.js';

export interface SimulateDatasetOptions {
  outDir: string;
  /** Tile ids to write (each 1..). */
  ids: number[];
  sizeHrPx: number;
  seed: number;
  /** target id -> source id: the target's files are pixel copies of the source tile. */
  duplicates?: Map<number, number>;
  /** Worker threads (default: `defaultWorkers()`). */
  workers?: number;
  compression?: 'none' | 'deflate';
  params?: SimParams;
  /** Called after each band of 10 fields. */
  onFields?: (fieldsDone: number) => void;
  /** Start over in a folder an earlier run with other options wrote (default: refuse it). */
  force?: boolean;
  /**
   * Nucleus truth beside truth.json: 'list' writes nuclei.json (per tile, every H2B nucleus the focal plane
   * cuts); 'labels' also writes a uint16 label image per HR tile under NucleiHR/. Absent: neither (the
   * dataset's files are unchanged).
   */
  nuclei?: 'list' | 'labels';
}

/** The sidecar with the simulator's nucleus truth, and the folder of its label images. */
export const NUCLEI_FILE = 'nuclei.json';
export const NUCLEI_LABELS_DIR = 'NucleiHR';

/** Resume state: the options a run started with, and one marker per finished tile (its truth), written last. */
export const SIMULATE_STATE_DIR = '.simulate';

export interface SimulateDatasetResult {
  truthPath: string;
  files: string[];
}

/** Tiles allocated at once: one being written while the next is simulated bounds memory to ~2 tiles. */
const TILES_IN_FLIGHT = 2;

/**
 * Simulates tiles into `outDir` in the dataset's layout (4 resolutions, 3 uint8 planes per file), spreading
 * bands of fields over worker threads, then writes truth.json (parameters, seed, shifts, per-tile stats).
 * Every file is written under a temporary name and renamed, so an interrupted run leaves no partial file.
 */
export async function simulateDataset(options: SimulateDatasetOptions): Promise<SimulateDatasetResult> {
  const params = options.params ?? defaultSimParams();
  const duplicates = options.duplicates ?? new Map<number, number>();
  const size = options.sizeHrPx;
  await mkdir(options.outDir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the output folder (${e.message})`, { path: options.outDir, cause: e });
  });
  const lock = await lockFolder(options.outDir, 'simulate');
  try {
    // The folder is claimed (its options recorded) before anything else is written in it, so a run killed at any
    // point leaves a folder the next run recognises as its own.
    const resumable = await claimSimulateFolder(options, params);
    for (const scale of [1, ...LR_SCALES] as Scale[]) {
      await mkdir(join(options.outDir, dirname(tilePath(scale, 1))), { recursive: true }).catch((e: Error) => {
        throw new SrcacoError('output', `cannot create the output folder (${e.message})`, { path: options.outDir, cause: e });
      });
    }
    return await simulateLocked(options, params, duplicates, size, resumable);
  } finally {
    await lock.release();
  }
}

/**
 * Records the run's options in the folder, or checks that an earlier (interrupted) run there had the same ones,
 * in which case its finished tiles are kept: they are exactly what this run would write. Returns whether they are.
 */
async function claimSimulateFolder(options: SimulateDatasetOptions, params: SimParams): Promise<boolean> {
  const dir = join(options.outDir, SIMULATE_STATE_DIR);
  const path = join(dir, 'options.json');
  const mine = `${JSON.stringify({ seed: options.seed, sizeHrPx: options.sizeHrPx, ids: options.ids, duplicates: [...(options.duplicates ?? [])], compression: options.compression ?? 'none', params })}\n`;
  const earlier = await readFile(path, 'utf8').catch(() => undefined);
  if (earlier === mine) {
    await removeTileTemporaries(options.outDir);
    return true;
  }
  if (earlier !== undefined && !options.force) {
    throw new SrcacoError('output', 'holds tiles simulated with other options (seed, size, ids or compression); rerun with the same options to continue it, pass --force to start over, or choose another --out', { path, option: '--out' });
  }
  await removeTileTemporaries(options.outDir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path, mine);
  return false;
}

/** Removes the temporary files a killed run left (we hold the folder's lock, so no live writer owns them). */
async function removeTileTemporaries(outDir: string): Promise<void> {
  for (const scale of [1, ...LR_SCALES] as Scale[]) {
    await removeTemporaries(join(outDir, dirname(tilePath(scale, 1))));
  }
}

async function simulateLocked(options: SimulateDatasetOptions, params: SimParams, duplicates: Map<number, number>, size: number, resumable: boolean): Promise<SimulateDatasetResult> {
  // Sources first (every non-duplicate id, plus duplicate sources not asked for themselves), copies after.
  const simulated = options.ids.filter((id) => !duplicates.has(id));
  const hiddenSources = [...new Set([...duplicates.values()].filter((s) => !options.ids.includes(s)))];
  const files: string[] = [];
  const truths = new Map<number, TileTruth>();
  const pool = startBandPool(Math.max(1, options.workers ?? defaultWorkers()));
  try {
    // a duplicate source that was not asked for itself is written only under its targets' names
    const targetsOf = (source: number) => [...duplicates].filter(([, s]) => s === source).map(([t]) => t);
    const jobs = [...simulated.map((id) => ({ id, writeAs: [id] })), ...hiddenSources.map((id) => ({ id, writeAs: targetsOf(id) }))];
    let next = 0;
    const runNext = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const marker = join(options.outDir, SIMULATE_STATE_DIR, `tile-${job.id}.json`);
        const done = resumable ? await readFile(marker, 'utf8').then((t) => JSON.parse(t) as TileTruth).catch(() => undefined) : undefined;
        if (done) {
          // Finished by the interrupted run: its files were renamed into place before this marker was written.
          for (const writeAs of job.writeAs) {
            files.push(...([1, ...LR_SCALES] as Scale[]).map((scale) => join(options.outDir, tilePath(scale, writeAs))));
            truths.set(writeAs, writeAs === job.id ? done : { ...done, id: writeAs, duplicateOf: job.id });
          }
          options.onFields?.(params.fieldsPerSide ** 2);
          continue;
        }
        const tile = await simulateTileOnPool(pool, params, options.seed, job.id, size, options.onFields);
        const model = buildTileModel(params, options.seed, job.id, size);
        const truth = tileTruth(params, tile, model, size);
        for (const writeAs of job.writeAs) {
          files.push(...(await writeTileFiles(options.outDir, writeAs, tile, params, options.compression ?? 'none')));
          truths.set(writeAs, writeAs === job.id ? truth : { ...truth, id: writeAs, duplicateOf: job.id });
        }
        await writeFileAtomic(marker, `${JSON.stringify(truth)}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TILES_IN_FLIGHT, jobs.length) }, runNext));
    for (const [target, source] of duplicates) {
      if (!options.ids.includes(source)) continue;
      for (const scale of [1, ...LR_SCALES] as Scale[]) {
        const to = join(options.outDir, tilePath(scale, target));
        await copyAtomic(join(options.outDir, tilePath(scale, source)), to);
        files.push(to);
      }
      truths.set(target, { ...truths.get(source)!, id: target, duplicateOf: source });
    }
  } finally {
    await pool.close();
  }
  const truth = buildTruth({
    params,
    seed: options.seed,
    sizeHrPx: size,
    ids: options.ids,
    duplicates,
    psfSigmaHrPx: Object.fromEntries(MARKERS.map((m) => [m, psfSigmaHrPx(params, m)])),
    bleach: bleachFactors(params),
    tiles: options.ids.map((id) => truths.get(id)!),
  });
  const truthPath = join(options.outDir, 'truth.json');
  await writeFileAtomic(truthPath, [new TextEncoder().encode(JSON.stringify(truth, null, 1) + '\n')]);
  if (options.nuclei) await writeNucleusTruth(options, params, duplicates);
  // Finished: the folder is left exactly in the dataset's layout (a rerun then needs --force, as before).
  await rm(join(options.outDir, SIMULATE_STATE_DIR), { recursive: true, force: true });
  return { truthPath, files };
}

/** Writes nuclei.json (and label TIFFs): rebuilt from each tile's model, so resumed tiles need no extra state. */
async function writeNucleusTruth(options: SimulateDatasetOptions, params: SimParams, duplicates: Map<number, number>): Promise<void> {
  const tiles = [];
  if (options.nuclei === 'labels') await mkdir(join(options.outDir, NUCLEI_LABELS_DIR), { recursive: true });
  for (const id of options.ids) {
    const map = tileNucleusTruth(params, options.seed, duplicates.get(id) ?? id, options.sizeHrPx);
    tiles.push({ id, nuclei: map.nuclei });
    if (options.nuclei === 'labels') {
      const path = join(options.outDir, NUCLEI_LABELS_DIR, `${NUCLEI_LABELS_DIR}-${id}.tif`);
      await writeTiff(path, [planeOf(options.sizeHrPx, options.sizeHrPx, map.labels)], { compression: options.compression ?? 'none', pixelSizeUm: params.pixelSizeHrUm });
    }
  }
  const doc = {
    format: 'srcaco-sim-nuclei',
    version: 1,
    seed: options.seed,
    sizeHrPx: options.sizeHrPx,
    conventions: {
      frame: 'HR pixels of the tile, pixel (y, x) centred on (y, x); label k of NucleiHR-<id>.tif is the nucleus with label k',
      nuclei: 'every H2B (CELL2) nucleus the focal plane cuts, as rendered before blur; radiusPx is the radius of the cut disc; cut: reaches past the tile border',
    },
    tiles,
  };
  await writeFileAtomic(join(options.outDir, NUCLEI_FILE), `${JSON.stringify(doc)}\n`);
}

/** Simulates one tile's 10 bands on the pool and assembles them. */
export async function simulateTileOnPool(
  pool: BandPool,
  params: SimParams,
  seed: number,
  tileId: number,
  sizeHrPx: number,
  onFields?: (n: number) => void,
): Promise<SimulatedTile> {
  const tile = allocateTile(tileId, sizeHrPx);
  await Promise.all(
    Array.from({ length: params.fieldsPerSide }, async (_, fieldRow) => {
      const band = await pool.run({ params, seed, tileId, sizeHrPx, fieldRow });
      placeBand(tile, band);
      onFields?.(params.fieldsPerSide);
    }),
  );
  return tile;
}

async function writeTileFiles(outDir: string, id: number, tile: SimulatedTile, params: SimParams, compression: 'none' | 'deflate'): Promise<string[]> {
  const written: string[] = [];
  for (const scale of [1, ...LR_SCALES] as Scale[]) {
    const path = join(outDir, tilePath(scale, id));
    const planes = scale === 1 ? tile.hr : tile.lr[scale];
    await writeTiff(path, planes, { compression, pixelSizeUm: params.pixelSizeHrUm * scale });
    written.push(path);
  }
  return written;
}

async function copyAtomic(from: string, to: string): Promise<void> {
  const temp = `${to}.${process.pid}.tmp`;
  try {
    await copyFile(from, temp);
    await rename(temp, to);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new SrcacoError('output', `cannot copy ${from} (${(e as Error).message})`, { path: to, cause: e });
  }
}

function tileTruth(params: SimParams, tile: SimulatedTile, model: ReturnType<typeof buildTileModel>, size: number): TileTruth {
  const fg = tile.hr.map((p) => {
    let n = 0;
    for (let i = 0; i < p.data.length; i++) if (p.data[i]! >= 4) n++;
    return Math.round((1e4 * n) / p.data.length) / 1e4;
  });
  return {
    id: tile.tileId,
    fieldBoundsPx: Object.fromEntries([1, ...LR_SCALES].map((s) => [String(s), fieldBounds(Math.floor(size / s), params.fieldsPerSide)])),
    cysts: model.specimen.cysts.length,
    cellsNearFocus: model.specimen.cells.count,
    tissueCoverage: Math.round(model.specimen.tissueCoverage * 1e4) / 1e4,
    foregroundFractionHr: fg,
    shiftsHrPx: Object.fromEntries(LR_SCALES.map((s) => [String(s), model.shifts[s].map((row) => row.map((f) => [f.dyHrPx, f.dxHrPx]))])),
  };
}
