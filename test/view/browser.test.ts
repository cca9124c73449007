import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
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

test('viewer in Chromium: panes, synchronised zoom, metrics equal to srcaco metrics, an ONNX model run in the browser, deep links, tables', async (t) => {
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
    await page.check('input[data-run]');
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
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - node.data[i]!));
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
    await again.click('.result-table td.clickable');
    await again.waitForFunction("!document.getElementById('panes').hidden");

    // the page cannot read outside the served folders either (a query is not normalised by the browser, a path is)
    const status = await again.evaluate("fetch('/api/plane?root=0&path=' + encodeURIComponent('../eval/Bicubic_CELL2_x2_test.json')).then((r) => r.status)");
    assert.equal(status, 403);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await view.close();
    rmSync(fx.dir, { recursive: true, force: true });
  }
});
