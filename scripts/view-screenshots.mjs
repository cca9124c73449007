// Regenerates the viewer's screenshots in docs/ (docs/viewer.md shows them): a tiny simulated-style dataset, a
// seeded VDSR run and a bicubic evaluation (test/view/view-fixture.ts), served by `srcaco view` and photographed
// in Debian's Chromium at 1280x800.   node --import tsx scripts/view-screenshots.mjs
import { rmSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startViewServer } from '../src/view/server.ts';
import { makeViewFixture } from '../test/view/view-fixture.ts';

const docs = new URL('../docs/', import.meta.url).pathname;
const fx = await makeViewFixture();
const view = await startViewServer({ roots: [fx.data, fx.runs, fx.evalOut] });
const browser = await chromium.launch({ executablePath: process.env.SRCACO_CHROMIUM ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(view.url);
  await page.waitForFunction('window.srcacoView?.ready');
  // VDSR on the whole patch, SRCNN 9-5-5 on the window visible at twice the fitted zoom (its pane shows only that)
  await page.check('input[data-run="1:vdsr/r1"]');
  await page.click('text=Run ▶');
  await page.waitForFunction('srcacoView.slots().every((s) => s.hasImage)', null, { timeout: 60_000 });
  await page.check('input[data-run="1:srcnn915/r1"]');
  await page.waitForFunction("document.querySelectorAll('.pane').length === 5");
  await page.keyboard.press('+');
  await page.keyboard.press('w');
  await page.waitForFunction('srcacoView.slots().every((s) => s.hasImage)', null, { timeout: 60_000 });
  await page.keyboard.press('0');
  await page.keyboard.press('r');
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${docs}viewer-compare.png` });
  await page.keyboard.press('s');
  await page.keyboard.press('+');
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${docs}viewer-swipe.png` });
  await page.keyboard.press('t');
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${docs}viewer-results.png` });
  console.log('wrote docs/viewer-compare.png, docs/viewer-swipe.png, docs/viewer-results.png');
} finally {
  await browser.close();
  await view.close();
  rmSync(fx.dir, { recursive: true, force: true });
}
