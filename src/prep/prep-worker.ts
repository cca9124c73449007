// Worker entry of the tile pool: cuts the tiles the main thread sends, one at a time, noting each window.
import { serveTasks } from '../util/worker-pool.js';
import { alignerFor } from './aligners.js';
import type { ManifestEntry } from './cut-tile.js';
import { prepTile } from './tile-job.js';
import type { TileJobMessage, TileJobNote } from './tile-pool.js';

serveTasks<TileJobMessage, ManifestEntry[], TileJobNote>((job, notify) =>
  prepTile(job.tile, job.outDir, job.mode, alignerFor(job.mode), () => notify('window')),
);
