// The learning-rate sweep behind the demo's settings, on the VALIDATION split only: for each model of
// scripts/demo-runs.mjs and each learning rate, one demo run (its own steps, patches and validation schedule, but no
// --minutes cap, so the result does not depend on the machine's load) per cell and scale; the score of a run is
// its best validation ROI PSNR minus bicubic's on the same validation patches. The setting (rate and loss) whose
// worst swept cell and scale gains most (ties: the highest mean gain) is the one to put in demo-runs.mjs: the demo's
// check asks every cell and scale to beat bicubic. The test split is never read.
// --whole-val scores instead the checkpoint each run selected on its few patches, evaluated on every validation
// patch (srcaco eval --run DIR --split val): what the run delivers, without the optimism of scoring a selection
// on the patches that made it.
// --per-pair picks, as the paper tunes its learning rate per method, cell and scale, the setting that gains most
// for each cell and scale on its own, among the rows of the --losses given (ties: the higher gain before a kept
// start is counted as no gain).
//
//   node scripts/demo-sweep.mjs [--methods vdsr,drrn] [--lrs 1e-4,3e-4,1e-3] [--losses mse-ssim,mse] [--pairs CELL0x4,CELL2x2] [--whole-val] [--per-pair]
//
// Reads the patches of an earlier demo (SRCACO_DEMO_OUT, default demo-out: run npm run demo or its simulate+prep
// first), writes runs to <out>/sweep/runs and the table to <out>/sweep/sweep.json; SRCACO_DEMO_JOBS runs at a time
// (default 2, one ORT thread each). Finished runs (an 'end' line in their log) are reused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CELLS, LOSS, NAMES, RUNS, SCALES, trainArgs, trainDataset } from './demo-runs.mjs';

const { values } = parseArgs({
  options: { methods: { type: 'string' }, lrs: { type: 'string' }, losses: { type: 'string' }, pairs: { type: 'string' }, 'whole-val': { type: 'boolean', default: false }, 'per-pair': { type: 'boolean', default: false } },
});
const list = (v, fallback) => (v === undefined ? fallback : v.split(',').map((s) => s.trim()).filter(Boolean));
const methods = list(values.methods, RUNS.map((r) => r.method));
const lrs = list(values.lrs, ['1e-4', '3e-4', '1e-3']).map(Number);
const losses = list(values.losses, [LOSS]);
// Cells and scales as CELLkxS, e.g. CELL0x4 (default: every cell and scale of the demo).
const pairs = list(values.pairs, CELLS.flatMap((c) => SCALES.map((s) => `${c}x${s}`))).map((p) => {
  const m = /^(CELL\d)x(\d)$/.exec(p);
  if (!m) throw new Error(`--pairs takes CELLkxS items such as CELL0x4, received '${p}'`);
  return { cell: m[1], scale: Number(m[2]) };
});
const JOBS = Math.max(1, Number(process.env.SRCACO_DEMO_JOBS ?? 2));

const bin = new URL('../bin/srcaco', import.meta.url).pathname;
const demoOut = resolve(process.env.SRCACO_DEMO_OUT ?? 'demo-out');
const data = join(demoOut, 'data');
const out = join(demoOut, 'sweep');
const runs = join(out, 'runs');
if (!existsSync(join(data, 'prep.json'))) {
  console.error(`demo-sweep: no prepared patches in ${data}; run npm run demo (or its simulate and prep steps) first`);
  process.exit(1);
}
mkdirSync(runs, { recursive: true });

const logOf = (dir) => (existsSync(join(dir, 'log.jsonl')) ? readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);

/** Bicubic's ROI PSNR on the first `limit` validation patches of a cell and scale (every patch: limit null). */
function bicubicVal(cell, scale, limit) {
  const r = spawnSync(process.execPath, [bin, 'eval', '--data', data, '--split', 'val', '--cell', cell, '--scale', String(scale), '--method', 'bicubic', ...(limit === null ? [] : ['--limit', String(limit)]), '--workers', '1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bicubic eval failed: ${r.stderr}`);
  return JSON.parse(r.stdout).roi.psnr;
}

const valCounts = new Map();
/** How many validation patches a cell and scale has (its l_h.txt read once). */
function valPatches(cell, scale) {
  const key = `${cell}|${scale}`;
  if (!valCounts.has(key)) valCounts.set(key, readFileSync(join(data, `caco2_val_X_${scale}_in_${512 / scale}_out_512_cell_${cell}`, 'l_h.txt'), 'utf8').trim().split('\n').length);
  return valCounts.get(key);
}

/** A run's selected checkpoint's ROI PSNR on every validation patch, or undefined until it has been evaluated so. */
function wholeVal(dir, method, cell, scale) {
  const file = join(dir, 'eval', `${NAMES[method]}_${cell}_x${scale}_val.json`);
  const row = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  return row?.n === valPatches(cell, scale) ? row.roi.psnr : undefined;
}

/** Runs `srcaco args` in the background; rejects with its stderr on failure. */
function runSrcaco(args, label) {
  console.error(`[${label}] $ srcaco ${args.join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (status) => (status === 0 ? done() : fail(new Error(`${label}: exit ${status}\n${err}`))));
  });
}

const tasks = [];
const rows = [];
for (const method of methods) {
  const run = RUNS.find((r) => r.method === method);
  if (!run) throw new Error(`unknown demo method '${method}'; one of ${RUNS.map((r) => r.method).join(', ')}`);
  for (const loss of losses) {
    for (const lr of lrs) {
      for (const { cell, scale } of pairs) {
        const name = `${loss}-lr${lr}`;
        const dir = join(runs, method, trainDataset(cell, scale), name);
        const row = { method, loss, lr, cell, scale, dir };
        rows.push(row);
        const label = `${method} ${cell} x${scale} ${loss} lr ${lr}`;
        const trained = logOf(dir).some((e) => e.kind === 'end');
        const scored = !values['whole-val'] || wholeVal(dir, method, cell, scale) !== undefined;
        if (trained && scored) continue;
        tasks.push(async () => {
          if (!trained) await runSrcaco(trainArgs(run, { cell, scale, data, out: runs, name, lr, loss, capMinutes: false }), label);
          if (!scored) await runSrcaco(['eval', '--run', dir, '--split', 'val'], `${label} whole validation`);
        });
      }
    }
  }
}
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: Math.min(JOBS, tasks.length) }, async () => {
  while (next < tasks.length) await tasks[next++]();
}));

const bicubic = new Map();
const table = rows.map(({ dir, ...row }) => {
  const run = RUNS.find((r) => r.method === row.method);
  const key = `${row.cell}|${row.scale}|${run.valLimit}`;
  if (!bicubic.has(key)) bicubic.set(key, bicubicVal(row.cell, row.scale, run.valLimit));
  const vals = logOf(dir).filter((e) => e.kind === 'val');
  const best = vals.reduce((b, e) => (e.roi.psnr > b.roi.psnr ? e : b));
  const scored = { ...row, valPatches: run.valLimit, bicubicRoiPsnr: bicubic.get(key), start: vals[0].roi.psnr, best: best.roi.psnr, bestStep: best.step, last: vals.at(-1).roi.psnr, gain: best.roi.psnr - bicubic.get(key), curve: vals.map((e) => [e.step, e.roi.psnr]) };
  if (!values['whole-val']) return scored;
  const wholeKey = `${row.cell}|${row.scale}|all`;
  if (!bicubic.has(wholeKey)) bicubic.set(wholeKey, bicubicVal(row.cell, row.scale, null));
  const roiPsnr = wholeVal(dir, row.method, row.cell, row.scale);
  return { ...scored, wholeVal: { patches: valPatches(row.cell, row.scale), roiPsnr, bicubicRoiPsnr: bicubic.get(wholeKey), gain: roiPsnr - bicubic.get(wholeKey) } };
});

// Merged with an earlier sweep's file: rows of other methods, losses, rates, cells or scales are kept, and each
// method's pick is made over all its rows (every loss and rate tried so far).
const sweepFile = join(out, 'sweep.json');
const earlier = existsSync(sweepFile) ? JSON.parse(readFileSync(sweepFile, 'utf8')) : { rows: [] };
const same = (a, b) => a.method === b.method && a.loss === b.loss && a.lr === b.lr && a.cell === b.cell && a.scale === b.scale;
const merged = [...earlier.rows.filter((r) => !table.some((t) => same(t, r))), ...table];

// With --whole-val, a method's rows are all scored on the whole split (rows of an earlier sweep without it are left out).
const scoredRows = values['whole-val'] ? merged.filter((r) => r.wholeVal) : merged;
// A run that started at its bicubic input and kept that start is bicubic again: at most 0, as in the demo's check.
const keptStart = (r) => RUNS.find((x) => x.method === r.method)?.zero === true && r.bestStep === 0;
const rawGain = (r) => (values['whole-val'] ? r.wholeVal.gain : r.gain);
const gainOf = (r) => (keptStart(r) ? Math.min(rawGain(r), 0) : rawGain(r));
const signed = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const sweptMethods = RUNS.map((r) => r.method).filter((m) => scoredRows.some((r) => r.method === m));

/** One setting per cell and scale of each method: the one that gains most there (ties: the higher raw gain). */
function pickPerPair() {
  const picks = {};
  console.log('\nPer cell and scale, among the losses ' + losses.join(', ') + ' (gain in dB over bicubic; <- picked):');
  for (const method of sweptMethods) {
    const mine = scoredRows.filter((r) => r.method === method && losses.includes(r.loss));
    for (const { cell, scale } of [...new Map(mine.map((r) => [`${r.cell}x${r.scale}`, r])).values()]) {
      const candidates = mine.filter((r) => r.cell === cell && r.scale === scale).sort((a, b) => a.lr - b.lr);
      const pick = candidates.reduce((b, r) => (gainOf(r) > gainOf(b) || (gainOf(r) === gainOf(b) && rawGain(r) > rawGain(b)) ? r : b));
      (picks[method] ??= {})[`${cell}x${scale}`] = { loss: pick.loss, lr: pick.lr, gain: Math.round(gainOf(pick) * 100) / 100 };
      const text = candidates.map((r) => `${r.loss} lr ${r.lr} ${signed(gainOf(r))} (best at ${r.bestStep})${r === pick ? ' <-' : ''}`).join(', ');
      console.log(`  ${NAMES[method].padEnd(10)} ${cell} x${scale}: ${text}`);
    }
  }
  return picks;
}

/** One setting per method: the one whose worst cell and scale gains most (ties: the highest mean). */
function pickWorstPair() {
  const picks = {};
  console.log(values['whole-val'] ? '\nSelected checkpoint on every validation patch, ROI PSNR minus bicubic (dB), per loss and learning rate:' : '\nBest validation ROI PSNR minus bicubic (dB), per loss and learning rate:');
  for (const method of sweptMethods) {
    const mine = scoredRows.filter((r) => r.method === method);
    const settings = [...new Map(mine.map((r) => [`${r.loss}|${r.lr}`, { loss: r.loss, lr: r.lr }])).values()];
    const means = settings.map(({ loss, lr }) => {
      const g = mine.filter((r) => r.lr === lr && r.loss === loss).map(gainOf);
      return { loss, lr, mean: g.reduce((s, v) => s + v, 0) / g.length, worst: Math.min(...g), pairs: g.length };
    });
    // The demo's check is per cell and scale, so the pick is the setting whose worst pair gains most (then the mean).
    // Only settings run on as many cells and scales as the most-swept one compete (a worst over fewer pairs flatters).
    const full = Math.max(...means.map((m) => m.pairs));
    const pick = means.filter((m) => m.pairs === full).reduce((b, m) => (m.worst > b.worst || (m.worst === b.worst && m.mean > b.mean) ? m : b));
    picks[method] = { loss: pick.loss, lr: pick.lr };
    for (const m of means) {
      const cellsText = mine.filter((r) => r.lr === m.lr && r.loss === m.loss).map((r) => `${r.cell} x${r.scale} ${signed(gainOf(r))} (best at ${r.bestStep})`).join(', ');
      console.log(`  ${NAMES[method].padEnd(10)} ${m.loss.padEnd(11)} lr ${String(m.lr).padEnd(7)} worst ${signed(m.worst)} mean ${signed(m.mean)}: ${cellsText}${m === pick ? '  <- picked' : ''}`);
    }
  }
  return picks;
}

const picks = values['per-pair'] ? pickPerPair() : pickWorstPair();
const result = { date: new Date().toISOString(), split: 'val', score: values['whole-val'] ? 'selected checkpoint on every validation patch' : 'best validation ROI PSNR on the selection patches', pick: values['per-pair'] ? 'per cell and scale' : 'worst cell and scale', wallS: Math.round((performance.now() - t0) / 1000), jobs: JOBS, picks, rows: scoredRows };
writeFileSync(sweepFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\n${sweepFile}`);
