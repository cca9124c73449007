// Time to evaluate N pairs of 512x512 with full-image and ROI metrics (the test split has 1471).
// Usage: node --import tsx bench/metrics.ts [--n 1471] [--size 512] [--scale 2]. Prints one JSON line.
import { pairMetrics255 } from '../src/metrics/pair_metrics.js';
import { SsimScratch } from '../src/metrics/ssim_map.js';
import { Rng } from '../src/util/random.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const n = arg('n', 1471);
const size = arg('size', 512);
const scale = arg('scale', 2);

// A few distinct synthetic pairs (dim background, bright blobs, noisy prediction), cycled.
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
const scratch = new SsimScratch();
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let checksum = 0;
for (let i = 0; i < n; i++) {
  const { pred, hr } = pairs[i % pairs.length];
  const m = pairMetrics255(pred, hr, size, size, { scale, scratch });
  checksum += m.roi.psnr;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
// CPU time is less disturbed than wall time when other jobs share the machine
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({
    bench: 'metrics',
    pairs: n,
    size,
    scale,
    roiThresholds: 7,
    seconds: +seconds.toFixed(3),
    cpuSeconds: +cpuSeconds.toFixed(3),
    msPerPair: +((seconds * 1000) / n).toFixed(2),
    checksum: +(checksum / n).toFixed(6),
  }),
);
