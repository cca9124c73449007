// `npm run demo`: the main job on simulated data, through the CLI step by step (see README "The two commands"):
// simulate the demo tiles → prep → the demo's grid (SRCNN 9-5-5, VDSR, DRRN and MemNet at ×2 and ×4 on CELL2 and
// CELL0, one learning rate per cell and scale; bicubic beside them) trained with `srcaco grid run --local` and
// collected with `srcaco grid collect` (each run's selected checkpoint evaluated on the first test patches) →
// demo-out/grid/report/index.html and results.json. Prints, per learned model, its mean ROI PSNR gain over bicubic
// across its pairs, and per pair the gain with its 95 % interval and Holm-adjusted Wilcoxon p-value. Exits 0 once
// the report is written: whether learned models beat bicubic is the report's finding, not a failure.
//
// Rerunning reuses what exists: tiles, patches, finished runs and evaluations (the grid skips them);
// SRCACO_DEMO_FRESH=1 starts over. SRCACO_DEMO_OUT changes the folder (default demo-out); SRCACO_DEMO_JOBS the
// number of training processes at a time (default 2, one ONNX Runtime thread each); SRCACO_DEMO_TEST_LIMIT the test
// patches per cell and scale (default 8).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { demoGrid } from './demo-runs.mjs';

const bin = new URL('../bin/srcaco', import.meta.url).pathname;
const out = resolve(process.env.SRCACO_DEMO_OUT ?? 'demo-out');
if (process.env.SRCACO_DEMO_FRESH === '1') rmSync(out, { recursive: true, force: true });
const TEST_LIMIT = Number(process.env.SRCACO_DEMO_TEST_LIMIT ?? 8);
const JOBS = Math.max(1, Number(process.env.SRCACO_DEMO_JOBS ?? 2));

const t00 = performance.now();
const timings = [];
function stage(name, fn) {
  const t0 = performance.now();
  fn();
  timings.push({ stage: name, seconds: Math.round((performance.now() - t0) / 100) / 10 });
  console.error(`[demo] ${name}: ${timings.at(-1).seconds} s`);
}

function srcaco(...args) {
  console.error(`\n$ srcaco ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\ndemo: 'srcaco ${args.slice(0, 2).join(' ')}' failed (exit ${r.status}); fix the cause and run npm run demo again (finished steps are reused)`);
    process.exit(r.status ?? 1);
  }
}

const tiles = join(out, 'tiles');
const data = join(out, 'data');
const gridFile = join(out, 'demo.grid.yaml');
mkdirSync(out, { recursive: true });
// The demo's settings (scripts/demo-runs.mjs) as a grid file, the grid's first user.
writeFileSync(gridFile, `# The demo's grid, written by scripts/demo.mjs from scripts/demo-runs.mjs.\n${stringify(demoGrid({ data, out: join(out, 'grid'), testLimit: TEST_LIMIT }))}`);

stage('simulate', () => existsSync(join(tiles, 'truth.json')) || srcaco('simulate', '--preset', 'demo', '--out', tiles, '--force'));
stage('prep', () => existsSync(join(data, 'prep.json')) || srcaco('prep', '--tiles', tiles, '--out', data));
stage('grid run (train)', () => srcaco('grid', 'run', gridFile, '--local', '--jobs', String(JOBS)));
stage('grid collect (evaluate, report)', () => srcaco('grid', 'collect', gridFile));

// The summary: every learned model against bicubic on ROI PSNR, per cell and scale, from the report's numbers.
const results = JSON.parse(readFileSync(join(out, 'grid', 'report', 'results.json'), 'utf8'));
const signed = (v, d = 2) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;
const byMethod = new Map();
console.log(`\nROI PSNR gain over bicubic on the first ${TEST_LIMIT} test patches (dB; 95 % interval of the paired difference; Wilcoxon p, Holm-adjusted over the table):`);
for (const r of results.filter((x) => x.method !== 'Bicubic')) {
  const d = r.statistics?.vsBaseline?.['roi.psnr'];
  if (!d) continue;
  byMethod.set(r.method, [...(byMethod.get(r.method) ?? []), d.mean]);
  const mark = d.verdict === 'gain' ? '  significant gain' : d.verdict === 'loss' ? '  significant loss' : '';
  console.log(`  ${r.method.padEnd(10)} ${r.cell} x${r.scale}: ${signed(d.mean)} [${signed(d.low)}, ${signed(d.high)}], p ${d.pHolm.toFixed(3)}${mark}`);
}
console.log('\nMean ROI PSNR gain over bicubic across each model\'s pairs:');
for (const [method, gains] of byMethod) console.log(`  ${method.padEnd(10)} ${signed(gains.reduce((a, b) => a + b, 0) / gains.length)} dB over ${gains.length} pairs`);
console.log('\nWall time per stage:');
for (const t of timings) console.log(`  ${t.stage.padEnd(32)} ${t.seconds.toFixed(1)} s`);
console.log(`  total (wall, ${JOBS} training jobs at a time) ${((performance.now() - t00) / 1000).toFixed(1)} s`);
console.log(`\nReport: ${join(out, 'grid', 'report', 'index.html')}\nGrid: ${gridFile} (srcaco grid status ${gridFile})`);
