// TIFF I/O on a tile-sized file: write and read a 3-plane uint8 image (uncompressed and deflate), and read
// 640x640 windows the way prep slides them (one fresh window; then a row of windows at stride 256, cached strips).
// Usage: node --import tsx bench/tiff.ts [--quick] [--size 9318] [--dir /tmp]. Prints JSON lines; asserts nothing.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../src/image/plane.js';
import { openTiff, readTiff, writeTiff } from '../src/io/tiff.js';
import { Rng } from '../src/util/random.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const quick = process.argv.includes('--quick');
const size = Math.max(1280, Number(arg('size', quick ? '2048' : '9318')));
const dir = mkdtempSync(join(arg('dir', tmpdir()), 'srcaco-bench-tiff-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

// Microscopy-like content: dark noisy background, bright blobs on a quarter of the area.
const rng = new Rng(3);
const planes = [0, 1, 2].map((k) => {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const band = ((y >> 6) + k) % 4 === 0;
    for (let x = 0; x < size; x++) data[y * size + x] = band && ((x >> 6) & 1) ? 40 + ((x * 7 + y * 3) & 127) : rng.int(5);
  }
  return planeOf(size, size, data);
});

try {
  for (const [compression, deflateLevel] of [['none', 0], ['deflate', 6], ['deflate', 1]] as const) {
    const path = join(dir, `tile-${compression}-${deflateLevel}.tif`);
    let t = process.hrtime.bigint();
    await writeTiff(path, planes, { compression, pixelSizeUm: 0.156289, ...(deflateLevel ? { deflateLevel } : {}) });
    const writeS = seconds(t);
    const bytes = statSync(path).size;
    t = process.hrtime.bigint();
    const back = await readTiff(path);
    const readS = seconds(t);
    if (back[2]!.data[size * size - 1] !== planes[2]!.data[size * size - 1]) throw new Error('read back differs');

    const file = await openTiff(path);
    t = process.hrtime.bigint();
    await file.readWindow(1, { x: (size - 640) >> 1, y: (size - 640) >> 1, width: 640, height: 640 });
    const windowS = seconds(t);
    const { blocksDecoded, bytesRead } = file.stats;
    await file.close();

    // Prep's access pattern: one row of 640 windows at stride 256, all three planes.
    const slide = await openTiff(path);
    t = process.hrtime.bigint();
    let windows = 0;
    for (let x = 0; x + 640 < size; x += 256) {
      for (let k = 0; k < 3; k++) await slide.readWindow(k, { x, y: 1024, width: 640, height: 640 });
      windows++;
    }
    const rowS = seconds(t);
    const slideStats = slide.stats;
    await slide.close();
    console.log(JSON.stringify({
      bench: 'tiff', size, planes: 3, compression, ...(deflateLevel ? { deflateLevel } : {}), fileMiB: +(bytes / 2 ** 20).toFixed(1),
      writeS: +writeS.toFixed(3), readAllS: +readS.toFixed(3),
      window640S: +windowS.toFixed(4), window640StripsDecoded: blocksDecoded, window640BytesRead: bytesRead,
      slidingRowWindows: windows, slidingRowS: +rowS.toFixed(3), slidingRowStripsDecoded: slideStats.blocksDecoded,
      slidingRowCacheHits: slideStats.cacheHits,
    }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
