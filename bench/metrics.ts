// Time to evaluate N pairs of 512x512 with full-image and ROI metrics (the test split has 1471).
//   node --import tsx bench/metrics.ts [--n 1471] [--size 512] [--scale 2]
//     the metric core on in-memory uint8 pairs, one thread
//   node --import tsx bench/metrics.ts --eval [--n 1471] [--workers 2]
//     `srcaco eval --method bicubic` end to end on a synthetic split written to a temporary folder
//     (TIFF reads + antialiased bicubic + metrics, on worker threads)
// Prints one JSON line; CPU seconds are steadier than wall seconds when other jobs share the machine.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../src/image/plane.js';
import { writeTiff } from '../src/io/tiff.js';
import { splitFolderName } from '../src/io/layout.js';
import { evaluateSplit } from '../src/metrics/evaluate-split.js';
import { pairMetrics255 } from '../src/metrics/pair-metrics.js';
import { SsimScratch } from '../src/metrics/ssim-map.js';
import { Rng } from '../src/util/random.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const n = arg('n', 1471);
const size = arg('size', 512);
const scale = arg('scale', 2);
const workers = arg('workers', availableParallelism());
const endToEnd = process.argv.includes('--eval');

// A few distinct synthetic pairs (dim background, bright cells, noisy prediction), cycled.
const rng = new Rng(1);
const pairs = Array.from({ length: 4 }, () => {
  const hr = new Uint8Array(size * size);
  const pred = new Uint8Array(size * size);
  for (let i = 0; i < hr.length; i++) {
    const v = rng.uniform() < 0.25 ? 4 + rng.int(200) : rng.int(6);
    hr[i] = v;
    pred[i] = Math.min(255, Math.max(0, Math.round(v + rng.normal() * 5)));
  }
  return { hr, pred };
});

async function core() {
  const scratch = new SsimScratch();
  let checksum = 0;
  for (let i = 0; i < n; i++) {
    const { pred, hr } = pairs[i % pairs.length]!;
    checksum += pairMetrics255(pred, hr, size, size, { scale, scratch }).roi.psnr;
  }
  return { checksum: +(checksum / n).toFixed(6) };
}

async function evalSplit() {
  const root = mkdtempSync(join(tmpdir(), 'srcaco-bench-eval-'));
  try {
    mkdirSync(join(root, 'hr'));
    mkdirSync(join(root, 'lr'));
    const folder = splitFolderName('test', scale as 2, 'CELL2');
    mkdirSync(join(root, folder));
    const lines: string[] = [];
    for (let k = 0; k < pairs.length; k++) {
      const lr = new Uint8Array((size / scale) ** 2).map((_, i) => pairs[k]!.pred[(Math.floor(i / (size / scale)) * size + (i % (size / scale))) * scale]!);
      await writeTiff(join(root, 'hr', `${k}.tif`), [planeOf(size, size, pairs[k]!.hr)]);
      await writeTiff(join(root, 'lr', `${k}.tif`), [planeOf(size / scale, size / scale, lr)]);
    }
    for (let i = 0; i < n; i++) lines.push(`lr/${i % pairs.length}.tif,hr/${i % pairs.length}.tif`);
    writeFileSync(join(root, folder, 'l_h.txt'), lines.join('\n') + '\n');
    const t0 = process.hrtime.bigint();
    const { row } = await evaluateSplit({ dataRoot: root, split: 'test', cell: 'CELL2', scale: scale as 2, source: { kind: 'bicubic' }, workers });
    return { workers, seconds: Number(process.hrtime.bigint() - t0) / 1e9, checksum: +row.roi.psnr!.toFixed(6) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const result = endToEnd ? await evalSplit() : await core();
const wall: number = "seconds" in result ? (result.seconds as number) : Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    bench: endToEnd ? 'metrics-eval' : 'metrics',
    pairs: n,
    size,
    scale,
    roiThresholds: 7,
    ...result,
    seconds: +wall.toFixed(3),
    // with --eval and workers > 1 the work runs on worker threads, whose CPU time this thread does not see
    ...(endToEnd && workers > 1 ? {} : { cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3) }),
    msPerPair: +((wall * 1000) / n).toFixed(2),
  }),
);
