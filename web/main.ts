import type { Plane } from '../src/image/plane.js';
import { bicubicBaseline } from '../src/metrics/bicubic-baseline.js';
import { displayWhite, planeTo255 } from '../src/report/display.js';
import { fetchBytes, fetchIndex, fetchPlane, type ViewIndex, type ViewRun } from './api.js';
import { displayBitmap, roiBitmap } from './display.js';
import { formatLink, parseLink, type ViewLink } from './link.js';
import { formatMetrics, formatValues, imageMetrics, windowMetrics, type PaneMetrics } from './pane-metrics.js';
import { Panes, type PaneImage } from './panes.js';
import { renderResults, splitsOf, type TableClick } from './results.js';
import type { PixelRect } from '../src/report/display.js';
import { runModel, runWindow } from './run-model.js';

/**
 * The viewer app: a sidebar to browse what the server found (splits by cell and scale, tiles, runs, evaluation
 * rows) and a main area that compares LR, bicubic, the selected runs and HR in synchronised panes, or shows the
 * result tables. Every change is written to the URL's hash (link.ts), which restores it on load.
 */

/** One image of the comparison, its plane and metrics. */
interface Slot {
  label: string;
  plane: Plane | null;
  factor: number;
  metrics: PaneMetrics | null;
  note: string;
  run?: ViewRun;
  /** A run's output over part of the image only (a window run): the HR pixels it holds; zero elsewhere. */
  window?: PixelRect;
}

const app = document.getElementById('app')!;
app.innerHTML = `
<aside id="side"><h1>srcaco view</h1><nav id="tabs"><button data-tab="compare">Compare</button><button data-tab="results">Results</button></nav><div id="browse"></div></aside>
<main>
  <div id="toolbar">
    <label>mode <select id="mode"><option value="grid">side by side</option><option value="swipe">swipe</option></select></label>
    <span id="swipe-pick"><select id="swipe-a"></select> | <select id="swipe-b"></select></span>
    <label title="ROI overlay: HR >= t (0..255)"><input type="checkbox" id="roi"> ROI ≥ <input type="number" id="t" min="0" max="255" step="1"></label>
    <label title="display white point: this percentile of the HR, for every pane">white at p<input type="number" id="p" min="50" max="100" step="0.1"></label>
    <button id="run-window" title="run the selected models on the visible window plus their halo (w)">window ▶</button>
    <button id="fit" title="fit (0)">fit</button><button id="one" title="1 HR pixel = 1 screen pixel (1)">1:1</button>
    <span id="zoom-text"></span><span id="status"></span><button id="help-btn" title="shortcuts (?)">?</button>
  </div>
  <div id="panes"></div>
  <div id="results" hidden></div>
  <div id="help" hidden><b>Keys</b>: + / − zoom · 0 fit · 1 pixel 1:1 · arrows pan · s swipe / side by side · a, b swipe images · r ROI overlay · j / k next / previous image · m run the selected models · w run them on the visible window · t tables · ? this help. Drag to pan, wheel to zoom, drag the yellow divider to swipe, double-click to fit.</div>
</main>`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let link: ViewLink = parseLink(location.hash);
let index: ViewIndex = { roots: [], splits: [], tiles: [], runs: [], evals: [], problems: [] };
let slots: Slot[] = [];
let hr: Plane | null = null;
let hr255: Uint8Array | null = null;
let white = 255;
const panes = new Panes($('panes'), () => {
  link = { ...link, zoom: panes.view.zoom, cx: panes.view.cx, cy: panes.view.cy, swipe: panes.swipe };
  saveLink();
  scheduleWindowMetrics();
});

function saveLink(): void {
  history.replaceState(null, '', formatLink(link));
  $('zoom-text').textContent = hr ? `${(panes.view.zoom * 100).toFixed(0)} %` : '';
}

function status(text: string): void {
  $('status').textContent = text;
}

// ---- browsing ----

function section(title: string): HTMLElement {
  const d = document.createElement('details');
  d.open = true;
  d.innerHTML = `<summary>${title}</summary>`;
  $('browse').append(d);
  return d;
}

function item(parent: HTMLElement, text: string, onClick: () => void, title = ''): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = 'item';
  b.textContent = text;
  b.title = title;
  b.addEventListener('click', onClick);
  parent.append(b);
  return b;
}

function renderBrowse(): void {
  $('browse').replaceChildren();
  const splits = section(`Splits (${index.splits.length})`);
  for (const s of index.splits) {
    const d = document.createElement('details');
    d.innerHTML = `<summary>${s.split} · ${s.cell} · ×${s.scale} (${s.pairs.length})</summary>`;
    for (const p of s.pairs) {
      const b = item(d, p.id.replace(/^tile_/, '').replace(/\.tif$/, ''), () => openPair({ root: s.root, hr: p.hr, lr: p.lr, page: 0, scale: s.scale }), p.hr);
      b.dataset['hr'] = p.hr;
    }
    d.open = s.root === link.root && s.pairs.some((p) => p.hr === link.hr);
    splits.append(d);
  }
  if (index.tiles.length > 0) {
    const tiles = section(`Tiles (${index.tiles.filter((t) => t.scale === 1).length})`);
    for (const t of index.tiles.filter((x) => x.scale === 1)) {
      for (const s of [2, 4, 8]) {
        const lr = index.tiles.find((x) => x.root === t.root && x.tileId === t.tileId && x.scale === s);
        if (!lr) continue;
        for (const page of [0, 1, 2]) item(tiles, `tile ${t.tileId} ×${s} CELL${page}`, () => openPair({ root: t.root, hr: t.path, lr: lr.path, page, scale: s }));
      }
    }
  }
  const runs = section(`Runs (${index.runs.length})`);
  for (const r of index.runs) {
    const key = `${r.root}:${r.dir}`;
    const label = document.createElement('label');
    label.className = 'item';
    label.innerHTML = `<input type="checkbox"> ${r.method} ×${r.scale}${r.cell ? ` ${r.cell}` : ''} <small>${r.dir}</small>`;
    const box = label.querySelector('input')!;
    box.checked = link.runs.includes(key);
    box.dataset['run'] = key;
    box.addEventListener('change', () => {
      link = { ...link, runs: box.checked ? [...link.runs, key] : link.runs.filter((k) => k !== key) };
      saveLink();
      void rebuildSlots();
    });
    runs.append(label);
  }
  if (index.problems.length > 0) {
    const p = section(`Not readable (${index.problems.length})`);
    for (const line of index.problems) p.append(Object.assign(document.createElement('div'), { className: 'problem', textContent: line }));
  }
}

// ---- comparing ----

async function openPair(p: { root: number; hr: string; lr: string; page: number; scale: number }): Promise<void> {
  const same = link.root === p.root && link.hr === p.hr && link.page === p.page;
  link = { ...link, ...p, tab: 'compare', ...(same ? {} : { zoom: undefined, cx: undefined, cy: undefined }) };
  showTab();
  await loadImages();
}

async function loadImages(): Promise<void> {
  if (link.root === undefined || !link.hr || !link.lr || !link.scale) return;
  status('loading…');
  const [h, l] = await Promise.all([fetchPlane({ root: link.root, path: link.hr }, link.page), fetchPlane({ root: link.root, path: link.lr }, link.page)]);
  hr = h;
  hr255 = planeTo255(h, 'HR');
  panes.width = h.width;
  panes.height = h.height;
  const scale = link.scale;
  slots = [
    { label: `LR ×${scale}`, plane: l, factor: scale, metrics: null, note: `${l.width}×${l.height}` },
    { label: 'Bicubic', plane: bicubicBaseline(l, scale), factor: 1, metrics: null, note: '' },
    { label: 'HR', plane: h, factor: 1, metrics: null, note: `${h.width}×${h.height} (reference)` },
  ];
  lrPlane = l;
  await rebuildSlots();
  if (link.zoom === undefined) panes.fit();
  else {
    panes.view = { zoom: link.zoom, cx: link.cx ?? h.width / 2, cy: link.cy ?? h.height / 2 };
    panes.render();
  }
  status('');
}

let lrPlane: Plane | null = null;

/** Run panes follow the selected runs of the open image's scale, between Bicubic and HR. */
async function rebuildSlots(): Promise<void> {
  if (!hr || !lrPlane) return;
  const fixed = slots.filter((s) => !s.run);
  const old = new Map(slots.filter((s) => s.run).map((s) => [`${s.run!.root}:${s.run!.dir}`, s]));
  const runSlots = link.runs
    .map((key) => index.runs.find((r) => `${r.root}:${r.dir}` === key))
    .filter((r): r is ViewRun => r !== undefined && r.scale === link.scale)
    .map((run) => old.get(`${run.root}:${run.dir}`) ?? { label: `${run.method} · ${run.dir}`, plane: null, factor: 1, metrics: null, note: run.onnx ? 'not run yet (m)' : 'no best.onnx yet', run });
  slots = [fixed[0]!, fixed[1]!, ...runSlots, fixed[fixed.length - 1]!];
  refreshDisplay();
}

/** Display range, bitmaps, ROI layer and metrics of every slot; then the panes. */
function refreshDisplay(): void {
  if (!hr || !hr255) return;
  white = displayWhite(hr255, link.p / 100);
  for (const s of slots) {
    if (s.plane && !s.window && s.factor === 1 && s.label !== 'HR' && s.metrics === null) s.metrics = { ...imageMetrics(s.plane, hr, link.scale!), view: null };
  }
  panes.roi = link.roi ? roiBitmap(hr255, hr.width, hr.height, link.t) : null;
  panes.images = slots.map((s): PaneImage => ({
    label: s.label,
    bitmap: s.plane ? displayBitmap(s.plane, white) : null,
    factor: s.factor,
    note: s.metrics ? formatMetrics(s.metrics) : s.note,
    action: s.run && s.run.onnx && (!s.plane || s.window) ? { text: 'Run ▶', run: () => void runSlot(s) } : undefined,
  }));
  panes.mode = link.mode;
  panes.a = link.a;
  panes.b = link.b;
  panes.swipe = link.swipe;
  fillSwipePickers();
  panes.layout();
  scheduleWindowMetrics();
  saveLink();
}

/** Runs a slot's model on the whole patch, or on the visible window (plus its halo); a whole output is final. */
async function runSlot(s: Slot, where: 'whole' | 'window' = 'whole'): Promise<void> {
  if (!s.run || !lrPlane || (s.plane && !s.window)) return;
  const set = (note: string) => {
    s.note = note;
    const i = slots.indexOf(s);
    if (panes.images[i]) panes.images[i]!.note = note;
    panes.setNotes();
  };
  try {
    const progress = (stage: string) => set(`${stage}…`);
    const { plane, window } = where === 'whole' ? { plane: await runModel(s.run, lrPlane, progress), window: undefined } : await runWindow(s.run, lrPlane, panes.visibleRect(), progress);
    s.plane = plane;
    s.window = window;
    s.metrics = null;
    s.note = window ? `window ${window.width}×${window.height} at ${window.x},${window.y}` : '';
    outputs.set(s.label, { plane, window });
    refreshDisplay();
  } catch (e) {
    set(`⚠ ${(e as Error).message}`);
  }
}

let metricsTimer = 0;
function scheduleWindowMetrics(): void {
  clearTimeout(metricsTimer);
  metricsTimer = window.setTimeout(() => {
    if (!hr) return;
    const rect = panes.visibleRect();
    slots.forEach((s, i) => {
      if (s.window && s.plane) {
        // a window run has metrics only where it holds the image
        const w = s.window;
        const inside = rect.x >= w.x && rect.y >= w.y && rect.x + rect.width <= w.x + w.width && rect.y + rect.height <= w.y + w.height;
        s.note = `window ${w.width}×${w.height} at ${w.x},${w.y}: ` + (inside ? `view ${formatValues(windowMetrics(s.plane, hr!, rect))}` : 'pan back into it for metrics, or Run ▶ the whole patch');
        if (panes.images[i]) panes.images[i]!.note = s.note;
        return;
      }
      if (!s.metrics || !s.plane) return;
      s.metrics.view = windowMetrics(s.plane, hr!, rect);
      if (panes.images[i]) panes.images[i]!.note = formatMetrics(s.metrics);
    });
    panes.setNotes();
    document.body.dataset['metricsAt'] = `${rect.x},${rect.y},${rect.width},${rect.height}`;
  }, 80);
}

function fillSwipePickers(): void {
  for (const [id, v] of [['swipe-a', link.a], ['swipe-b', link.b]] as const) {
    const sel = $<HTMLSelectElement>(id);
    sel.innerHTML = slots.map((s, i) => `<option value="${i}">${s.label}</option>`).join('');
    sel.value = String(((v % slots.length) + slots.length) % slots.length);
  }
  $('swipe-pick').hidden = link.mode !== 'swipe';
}

// ---- results ----

function showTab(): void {
  const results = link.tab === 'results';
  $('results').hidden = !results;
  $('panes').hidden = results;
  $('toolbar').hidden = results;
  document.querySelectorAll<HTMLButtonElement>('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset['tab'] === link.tab));
  if (results) {
    const splits = splitsOf(index.evals);
    const host = $('results');
    host.replaceChildren();
    const pick = document.createElement('select');
    pick.innerHTML = splits.map((s) => `<option>${s}</option>`).join('');
    pick.value = splits.includes(link.split) ? link.split : (splits[0] ?? link.split);
    pick.addEventListener('change', () => {
      link = { ...link, split: pick.value };
      showTab();
    });
    const tables = document.createElement('div');
    host.append(pick, tables);
    renderResults(tables, index.evals, pick.value, (c) => void openResult(c, pick.value));
  } else panes.render();
  saveLink();
}

/** A table cell: its method's first image of that split, cell and scale, with the method's run when one is served. */
async function openResult(c: TableClick, split: string): Promise<void> {
  const row = index.evals.find((e) => e.row.method === c.method && e.row.cell === c.cell && e.row.scale === c.scale && e.row.split === split);
  const s = index.splits.find((x) => x.split === split && x.cell === c.cell && x.scale === c.scale);
  if (!row || !s || s.pairs.length === 0) {
    status(`no served ${split} split for ${c.cell} ×${c.scale}: serve the data root too`);
    return;
  }
  let pair = s.pairs[0]!;
  if (row.details) {
    const first = new TextDecoder().decode(await fetchBytes({ root: row.root, path: row.details })).split('\n')[0];
    const id = first ? (JSON.parse(first) as { id: string }).id : undefined;
    pair = s.pairs.find((p) => p.id === id) ?? pair;
  }
  const run = index.runs.find((r) => (row.run !== null && r.root === row.root && r.dir === row.run) || (r.method.toLowerCase() === c.method.toLowerCase() && r.scale === c.scale));
  if (run && !link.runs.includes(`${run.root}:${run.dir}`)) link = { ...link, runs: [...link.runs, `${run.root}:${run.dir}`] };
  renderBrowse();
  await openPair({ root: s.root, hr: pair.hr, lr: pair.lr, page: 0, scale: s.scale });
}

// ---- controls ----

function bind(): void {
  document.querySelectorAll<HTMLButtonElement>('#tabs button').forEach((b) =>
    b.addEventListener('click', () => {
      link = { ...link, tab: b.dataset['tab'] === 'results' ? 'results' : 'compare' };
      showTab();
    }),
  );
  const mode = $<HTMLSelectElement>('mode');
  mode.value = link.mode;
  mode.addEventListener('change', () => setLink({ mode: mode.value === 'swipe' ? 'swipe' : 'grid' }));
  $<HTMLSelectElement>('swipe-a').addEventListener('change', (e) => setLink({ a: Number((e.target as HTMLSelectElement).value) }));
  $<HTMLSelectElement>('swipe-b').addEventListener('change', (e) => setLink({ b: Number((e.target as HTMLSelectElement).value) }));
  const roi = $<HTMLInputElement>('roi');
  const t = $<HTMLInputElement>('t');
  const p = $<HTMLInputElement>('p');
  [roi.checked, t.value, p.value] = [link.roi, String(link.t), String(link.p)];
  roi.addEventListener('change', () => setLink({ roi: roi.checked }));
  t.addEventListener('change', () => setLink({ t: Number(t.value) }));
  p.addEventListener('change', () => setLink({ p: Math.min(100, Math.max(50, Number(p.value))) }));
  $('run-window').addEventListener('click', () => slots.forEach((s) => void runSlot(s, 'window')));
  $('fit').addEventListener('click', () => panes.fit());
  $('one').addEventListener('click', () => panes.zoomBy(1 / panes.view.zoom));
  $('help-btn').addEventListener('click', () => ($('help').hidden = !$('help').hidden));
  document.addEventListener('keydown', (e) => {
    // typing in a field is not a shortcut; a ticked checkbox keeps the focus but takes no keys
    if ((e.target instanceof HTMLInputElement && e.target.type !== 'checkbox') || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
    const step = 60;
    const keys: Record<string, () => void> = {
      '+': () => panes.zoomBy(2),
      '=': () => panes.zoomBy(2),
      '-': () => panes.zoomBy(0.5),
      '0': () => panes.fit(),
      '1': () => panes.zoomBy(1 / panes.view.zoom),
      ArrowLeft: () => panes.panBy(step, 0),
      ArrowRight: () => panes.panBy(-step, 0),
      ArrowUp: () => panes.panBy(0, step),
      ArrowDown: () => panes.panBy(0, -step),
      s: () => setLink({ mode: link.mode === 'swipe' ? 'grid' : 'swipe' }),
      a: () => setLink({ a: link.a + 1 }),
      b: () => setLink({ b: link.b + 1 }),
      r: () => setLink({ roi: !link.roi }),
      j: () => void stepPair(1),
      k: () => void stepPair(-1),
      m: () => slots.forEach((s) => void runSlot(s)),
      w: () => slots.forEach((s) => void runSlot(s, 'window')),
      t: () => {
        link = { ...link, tab: link.tab === 'results' ? 'compare' : 'results' };
        showTab();
      },
      '?': () => ($('help').hidden = !$('help').hidden),
    };
    const f = keys[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  });
  window.addEventListener('hashchange', () => {
    const next = parseLink(location.hash);
    if (formatLink(next) !== formatLink(link)) {
      link = next;
      showTab();
      void loadImages();
    }
  });
}

function setLink(change: Partial<ViewLink>): void {
  link = { ...link, ...change };
  ($<HTMLSelectElement>('mode')).value = link.mode;
  ($<HTMLInputElement>('roi')).checked = link.roi;
  refreshDisplay();
}

/** The next or previous image of the open image's split. */
async function stepPair(d: number): Promise<void> {
  const s = index.splits.find((x) => x.root === link.root && x.pairs.some((p) => p.hr === link.hr));
  if (!s) return;
  const i = s.pairs.findIndex((p) => p.hr === link.hr);
  const next = s.pairs[(i + d + s.pairs.length) % s.pairs.length]!;
  await openPair({ root: s.root, hr: next.hr, lr: next.lr, page: 0, scale: s.scale });
}

// ---- for tests and scripts: the numbers behind what is on screen ----

const outputs = new Map<string, { plane: Plane<Float32Array>; window: PixelRect | undefined }>();
Object.assign(window, {
  srcacoView: {
    slots: () => slots.map((s) => ({ label: s.label, metrics: s.metrics, hasImage: s.plane !== null, note: s.note })),
    view: () => ({ ...panes.view, rect: panes.visibleRect() }),
    output: (label: string) => (outputs.has(label) ? Array.from(outputs.get(label)!.plane.data) : null),
    window: (label: string) => outputs.get(label)?.window ?? null,
    ready: false,
  },
});

async function start(): Promise<void> {
  bind();
  try {
    index = await fetchIndex();
  } catch (e) {
    status(`cannot read the index: ${(e as Error).message}`);
    return;
  }
  renderBrowse();
  showTab();
  if (link.hr) await loadImages();
  else {
    const first = index.splits[0]?.pairs[0];
    if (first) await openPair({ root: index.splits[0]!.root, hr: first.hr, lr: first.lr, page: 0, scale: index.splits[0]!.scale });
  }
  (window as unknown as { srcacoView: { ready: boolean } }).srcacoView.ready = true;
}

void start();
