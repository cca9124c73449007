import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Page } from 'playwright-core';
import { planeOf } from '../../src/image/plane.js';
import { Upscaler } from '../../src/infer/upscaler.js';
import { writeTiff } from '../../src/io/tiff.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';
import { pairMetrics } from '../../src/metrics/pair-metrics.js';
import { cropBytes, planeTo255 } from '../../src/report/display.js';
import { startViewServer } from '../../src/view/server.js';
import { makeViewFixture } from './view-fixture.js';

/**
 * The viewer in a real Chromium (Debian's `chromium`, driven by playwright-core): one browser for the file.
 * Without the browser this test fails saying how to install it; SRCACO_SKIP_BROWSER_TESTS=1 skips it
 * explicitly (CI does not set it: .ci/run installs chromium).
 */
const CHROMIUM = process.env['SRCACO_CHROMIUM'] ?? '/usr/bin/chromium';
const bin = new URL('../../bin/srcaco', import.meta.url).pathname;

interface SlotInfo {
  label: string;
  hasImage: boolean;
  note: string;
  metrics: { full: Record<string, number>; roi: Record<string, number> | null; view: Record<string, number> | null } | null;
}
interface ViewInfo {
  zoom: number;
  rect: { x: number; y: number; width: number; height: number };
}
// Page code is passed as strings: this program is type-checked without the DOM library.
const slots = (page: Page) => page.evaluate('srcacoView.slots()') as Promise<SlotInfo[]>;
const viewOf = (page: Page) => page.evaluate('srcacoView.view()') as Promise<ViewInfo>;
const ready = (page: Page) => page.waitForFunction('window.srcacoView?.ready', null, { timeout: 30_000 });

const maxDiffOver = (a: ArrayLike<number>, b: ArrayLike<number>, at: Iterable<number>) => {
  let d = 0;
  for (const i of at) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

test('viewer in Chromium: panes, synchronised zoom, metrics equal to srcaco metrics, an ONNX model run in the browser on the patch and on the visible window, deep links, swipe, tables and plot, the too-large message', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env['SRCACO_SKIP_BROWSER_TESTS'] === '1') return t.skip(`no browser at ${CHROMIUM} (SRCACO_SKIP_BROWSER_TESTS=1)`);
    assert.fail(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set SRCACO_CHROMIUM; SRCACO_SKIP_BROWSER_TESTS=1 skips this test on purpose`);
  }
  const fx = await makeViewFixture();
  const view = await startViewServer({ roots: [fx.data, fx.runs, fx.evalOut] });
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(view.url);
    await ready(page);

    // the first pair of the split opens with LR, bicubic and HR; selecting the run adds its pane
    await page.check('input[data-run="1:vdsr/r1"]');
    await page.waitForFunction("document.querySelectorAll('.pane').length === 4");
    assert.deepEqual(await page.$$eval('.pane', (ps) => ps.map((p) => p.getAttribute('data-label'))), ['LR ×2', 'Bicubic', 'vdsr · vdsr/r1', 'HR']);

    // bicubic's metrics are what `srcaco metrics` prints for the same pair
    const bicubicTif = join(fx.dir, 'bicubic.tif');
    await writeTiff(bicubicTif, [bicubicBaseline(fx.lr[0]!, 2)]);
    const cli = spawnSync(bin, ['metrics', bicubicTif, join(fx.data, fx.pairs[0]!.hr), '--scale', '2', '--json'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const want = JSON.parse(cli.stdout) as { full: Record<string, number>; roi: Record<string, number> };
    const bicubic = (await slots(page)).find((s) => s.label === 'Bicubic')!;
    assert.deepEqual(bicubic.metrics!.full, want.full);
    assert.deepEqual(bicubic.metrics!.roi, want.roi);

    // zoom by key: every pane gets the same zoom, and the visible window's metrics follow
    const before = await viewOf(page);
    await page.keyboard.press('+');
        const zooms = await page.$$eval('.pane canvas', (cs) => cs.map((c) => Number(c.getAttribute('data-zoom'))));
    assert.equal(zooms.length, 4);
    assert.ok(zooms.every((z) => Math.abs(z - before.zoom * 2) < 1e-9), `zooms ${zooms}, before ${before.zoom}`);
    await page.waitForFunction('(({ x, y, width, height }) => document.body.dataset.metricsAt === `${x},${y},${width},${height}`)(srcacoView.view().rect)');
    const { rect } = await viewOf(page);
    assert.ok(rect.width < 48 && rect.width >= 11, `visible window ${JSON.stringify(rect)}`);
    const crop = (bytes: Uint8Array) => planeOf(rect.width, rect.height, cropBytes(bytes, 48, rect));
    const wantView = pairMetrics(crop(planeTo255(bicubicBaseline(fx.lr[0]!, 2), 'b')), crop(fx.hr[0]!.data), { scale: 1, borderPx: 0 }).full;
    assert.deepEqual((await slots(page)).find((s) => s.label === 'Bicubic')!.metrics!.view, wantView);

    // the run's best.onnx in onnxruntime-web equals onnxruntime-node's output
    await page.click('text=Run ▶');
    await page.waitForFunction("srcacoView.slots().every((s) => s.hasImage || s.note.startsWith('⚠'))", null, { timeout: 60_000 });
    const label = 'vdsr · vdsr/r1';
    const got = (await page.evaluate(`srcacoView.output(${JSON.stringify(label)})`)) as number[] | null;
    assert.ok(got !== null, `no output: ${(await slots(page)).find((s) => s.label === label)!.note}`);
    const node = await new Upscaler(fx.model, fx.state).upscale(fx.lr[0]!);
    assert.equal(got.length, node.data.length);
    const maxDiff = maxDiffOver(got, node.data, got.keys());
    assert.ok(maxDiff <= 1e-4, `browser and Node differ by ${maxDiff}`);
    assert.ok(node.data.some((v) => v > 0.05), 'the model output is not trivially zero');

    // the URL holds the view: a fresh page on it shows the same image, runs and zoom
    const url = page.url();
    const again = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await again.goto(url);
    await ready(again);
    assert.equal((await viewOf(again)).zoom, before.zoom * 2);
    assert.equal(await again.$$eval('.pane', (ps) => ps.length), 4);

    // Tables 4/5 of the served rows; a value opens its images
    await again.keyboard.press('t');
    const cellsShown = await again.$$eval('.result-table td.clickable', (tds) => tds.length);
    assert.ok(cellsShown > 0, 'no clickable table values');
    // beside them the report's Fig. 6: the bicubic row's ROI PSNR at x2 in the CELL2 panel
    const row = JSON.parse(readFileSync(join(fx.evalOut, 'Bicubic_CELL2_x2_test.json'), 'utf8')) as { roi: { psnr: number } };
    const points = await again.$$eval('#results svg.scale-plot circle.point[data-method="Bicubic"][data-cell="CELL2"]', (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(points, [`Bicubic, CELL2, x2: ${row.roi.psnr.toFixed(2)}`]);
    await again.click('.result-table td.clickable');
    await again.waitForFunction("!document.getElementById('panes').hidden");

    // the page cannot read outside the served folders either (a query is not normalised by the browser, a path is)
    const status = await again.evaluate("fetch('/api/plane?root=0&path=' + encodeURIComponent('../eval/Bicubic_CELL2_x2_test.json')).then((r) => r.status)");
    assert.equal(status, 403);

    // swipe: one canvas, image a left of the divider and b right of it; a and b step through the panes; the
    // divider follows a drag, and the URL keeps all of it
    await page.keyboard.press('s');
    await page.waitForFunction("document.querySelectorAll('.pane').length === 1");
    const swipeLabel = () => page.$eval('.pane', (p) => p.getAttribute('data-label'));
    assert.equal(await swipeLabel(), 'Bicubic | HR');
    await page.keyboard.press('a');
    assert.equal(await swipeLabel(), 'vdsr · vdsr/r1 | HR');
    const box = (await page.locator('.pane canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
    assert.deepEqual([hash.get('mode'), hash.get('a')], ['swipe', '2']);
    assert.ok(Math.abs(Number(hash.get('sw')) - 0.25) < 0.01, `divider at ${hash.get('sw')}`);
    await page.keyboard.press('s');
    await page.waitForFunction("document.querySelectorAll('.pane').length === 4");

    // a run on the visible window: SRCNN 9-5-5 (halo 6 LR px) on the LR under the window plus the halo, which
    // is less than the 24 LR px image; its kept part equals Node's Upscaler on the whole image, the rest is empty
    await page.check('input[data-run="1:srcnn915/r1"]');
    await page.waitForFunction("document.querySelectorAll('.pane').length === 5");
    await page.keyboard.press('+');
    const visible = (await viewOf(page)).rect;
    assert.ok(visible.x >= 12 && visible.x + visible.width <= 36, `visible window ${JSON.stringify(visible)}: zoom further for a window run that crops`);
    await page.keyboard.press('w');
    const small = 'srcnn915 · srcnn915/r1';
    await page.waitForFunction(`srcacoView.slots().some((s) => s.label === ${JSON.stringify(small)} && (s.hasImage || s.note.startsWith('⚠')))`, null, { timeout: 60_000 });
    const win = (await page.evaluate(`srcacoView.window(${JSON.stringify(small)})`)) as { x: number; y: number; width: number; height: number } | null;
    assert.ok(win !== null, `no window output: ${(await slots(page)).find((s) => s.label === small)!.note}`);
    assert.ok(win.x <= visible.x && win.y <= visible.y && win.x + win.width >= visible.x + visible.width && win.y + win.height >= visible.y + visible.height, `window ${JSON.stringify(win)} misses ${JSON.stringify(visible)}`);
    assert.ok(win.x / 2 - 6 > 0 && win.x / 2 + win.width / 2 + 6 < 24, `window ${JSON.stringify(win)} plus the halo reads the whole image`);
    const gotWin = (await page.evaluate(`srcacoView.output(${JSON.stringify(small)})`)) as number[];
    const nodeSmall = await new Upscaler(fx.small.model, fx.small.state).upscale(fx.lr[0]!);
    const inWindow = (i: number) => i % 48 >= win.x && i % 48 < win.x + win.width && Math.floor(i / 48) >= win.y && Math.floor(i / 48) < win.y + win.height;
    const winDiff = maxDiffOver(gotWin, nodeSmall.data, [...gotWin.keys()].filter(inWindow));
    assert.ok(winDiff <= 1e-4, `window run and Node differ by ${winDiff}`);
    const kept = [...gotWin.keys()].filter(inWindow).map((i) => gotWin[i]!);
    assert.ok(Math.max(...kept) - Math.min(...kept) > 0.02, 'the window output is flat: the comparison would not see a misplaced window');
    assert.ok(gotWin.every((v, i) => inWindow(i) || v === 0), 'output outside the window');
    // its note says which window it holds, and the visible window's metrics once they are computed
    await page.waitForFunction(`/^window \\d+×\\d+ at \\d+,\\d+: view /.test(srcacoView.slots().find((s) => s.label === ${JSON.stringify(small)}).note)`);

    // a model over the browser's limit (lowered to 1000 bytes for the test) is refused with the one-line message
    const limited = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await limited.goto(`${view.url}?maxModelBytes=1000${new URL(url).hash}`);
    await ready(limited);
    await limited.click('text=Run ▶');
    await limited.waitForFunction("srcacoView.slots().some((s) => s.note.startsWith('⚠'))");
    const refusal = (await slots(limited)).find((s) => s.label === label)!;
    assert.equal(refusal.hasImage, false);
    assert.match(refusal.note, /^⚠ this model is too large for the browser \(\d+ bytes; at most 1000\): run it with `srcaco upscale`/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await view.close();
    rmSync(fx.dir, { recursive: true, force: true });
  }
});
