// Whole-tile super-resolution: `srcaco upscale` streaming a synthesized 3-plane LR tile (default 1164² at ×8,
// the SR-CACO-2 LR tile size; HR 9312²) into a pyramidal OME-TIFF, with megapixels/s (HR output) and peak RSS,
// beside PyTorch CPU running the same model over the same tiles (bench/upscale-peer.py, the models of
// ../shared/peer/bench_torch.py; weights random in both: timing only).
// Usage: npm run bench -- upscale [--lr 1164] [--scale 8] [--planes 3] [--method vdsr] [--threads 2] [--tile 512]
//        [--no-peer] [--keep DIR] [--check] (--check: scripts/fixtures/check-ome-tiff.py on the output).
// Prints JSON lines; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState } from '../src/engine/nn/index.js';
import { TiffStripWriter } from '../src/io/tiff.js';
import { axisTiles, upscaleTiffFile, Upscaler } from '../src/infer/index.js';
import { buildModel } from '../src/models/registry.js';
import { Rng } from '../src/util/random.js';
import { PEER_PYTHON } from './peer.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const lrSide = Number(arg('lr', '1164'));
const scale = Number(arg('scale', '8'));
const planes = Number(arg('planes', '3'));
const method = arg('method', 'vdsr');
const threads = Number(arg('threads', '2'));
const tileHrPx = Number(arg('tile', '512'));
const keep = arg('keep', '');
const dir = keep || mkdtempSync(join(tmpdir(), 'srcaco-bench-upscale-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

// The LR tile, written row by row (it is never whole in memory either): dark noisy background, bright blobs.
const inPath = join(dir, 'lr.tif');
const rng = new Rng(5);
const writer = await TiffStripWriter.create(inPath, { width: lrSide, height: lrSide, planes, pixelType: 'uint8', compression: 'deflate', pixelSizeUm: 0.3125 });
for (let p = 0; p < planes; p++) {
  for (let y = 0; y < lrSide; y++) {
    const row = new Uint8Array(lrSide);
    for (let x = 0; x < lrSide; x++) row[x] = (((x >> 5) + (y >> 5) + p) % 3 === 0 ? 90 + ((x * 7 + y * 3) & 63) : 10) + rng.int(20);
    await writer.writeRows(row);
  }
}
await writer.finish();

const model = buildModel(method, { scale });
const state = initState(model.specs, new Rng(1));
const outPath = join(dir, 'sr.ome.tif');
const start = process.hrtime.bigint();
const r = await upscaleTiffFile(inPath, outPath, { model, state, threads, tileHrPx });
const s = seconds(start);
const hrMp = (r.width * r.height * r.planes) / 1e6;
console.log(JSON.stringify({
  bench: 'upscale', impl: 'srcaco', method, scale, lr: lrSide, hr: r.width, planes, threads, tile_hr: tileHrPx,
  seconds: +s.toFixed(2), hr_mp_per_s: +(hrMp / s).toFixed(3), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  out_mb: +(statSync(outPath).size / 2 ** 20).toFixed(1), big_tiff: r.bigTiff,
}));

if (process.argv.includes('--check')) {
  const c = spawnSync(PEER_PYTHON, ['scripts/fixtures/check-ome-tiff.py', outPath, '--pixel-size', String(0.3125 / scale)], { encoding: 'utf8' });
  process.stdout.write(c.stdout || c.stderr);
}

// The same model runs over the same windows in PyTorch: the band/tile geometry srcaco used, per plane.
if (!process.argv.includes('--no-peer') && method !== 'bicubic') {
  const up = new Upscaler(model, state, { tileHrPx });
  const halo = up.haloLr;
  const bands = axisTiles(lrSide, up.tileLr + 2 * halo, halo);
  const hrInput = model.input === 'cv2-bicubic';
  const counts = new Map<string, number>();
  for (const band of bands) {
    // Across a band: LR tiles, or for a cv2-bicubic input HR tiles of the upsampled band.
    const cols = hrInput ? axisTiles(lrSide * scale, up.tileLr * scale + 2 * model.halo!, model.halo!) : axisTiles(lrSide, up.tileLr + 2 * halo, halo);
    const h = hrInput ? band.size * scale : band.size;
    for (const c of cols) counts.set(`${c.size}x${h}`, (counts.get(`${c.size}x${h}`) ?? 0) + planes);
  }
  const windows = [...counts].map(([k, n]) => `${k}:${n}`).join(',');
  const peer = spawnSync(PEER_PYTHON, [new URL('upscale-peer.py', import.meta.url).pathname, '--model', method, '--scale', String(scale), '--threads', String(threads), '--windows', windows, '--hr-mp', String(hrMp)], { encoding: 'utf8' });
  process.stdout.write(peer.status === 0 ? peer.stdout : `${JSON.stringify({ bench: 'upscale', impl: 'pytorch', error: peer.stderr.trim().split('\n').at(-1) })}\n`);
}
if (!keep) rmSync(dir, { recursive: true, force: true });
