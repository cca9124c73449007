import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startViewServer } from '../../src/view/server.js';
import type { ViewIndex } from '../../src/view/index-types.js';
import { makeViewFixture } from './view-fixture.js';

/** A GET with the path sent exactly as written (fetch would normalise '..' away before sending). */
function get(url: string, rawPath: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('view server: lists the data, runs and rows it serves, decodes planes, refuses every path out of its folders', async () => {
  const fx = await makeViewFixture();
  // a secret beside the served folders, and a symbolic link inside data/ that points at it
  writeFileSync(join(fx.dir, 'secret.txt'), 'secret');
  symlinkSync(join(fx.dir, 'secret.txt'), join(fx.data, 'link-out.txt'));
  symlinkSync(fx.dir, join(fx.data, 'dir-out'));
  const view = await startViewServer({ roots: [fx.data, fx.runs, fx.evalOut] });
  try {
    assert.match(view.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = JSON.parse((await get(view.url, '/api/index')).body.toString()) as ViewIndex;
    assert.equal(index.splits.length, 1);
    assert.deepEqual([index.splits[0]!.split, index.splits[0]!.scale, index.splits[0]!.cell], ['test', 2, 'CELL2']);
    assert.deepEqual(index.splits[0]!.pairs.map((p) => [p.lr, p.hr]), fx.pairs.map((p) => [p.lr, p.hr]));
    // the halo is Upscaler's: VDSR sees 20 HR px through its x2 bicubic (12 LR), SRCNN 9-5-5 8 HR px of a cv2 bicubic (6 LR)
    const runs = index.runs.map((r) => [r.root, r.dir, r.method, r.scale, r.input, r.onnx, r.haloLr]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    assert.deepEqual(runs, [
      [1, 'srcnn915/r1', 'srcnn915', 2, 'cv2-bicubic', 'srcnn915/r1/best.onnx', 6],
      [1, 'vdsr/r1', 'vdsr', 2, 'lr', 'vdsr/r1/best.onnx', 12],
    ]);
    assert.deepEqual(index.evals.map((e) => [e.root, e.path, e.details, e.row.method, e.row.n]), [[2, 'Bicubic_CELL2_x2_test.json', 'Bicubic_CELL2_x2_test.jsonl', 'Bicubic', 2]]);

    const plane = await get(view.url, `/api/plane?root=0&path=${encodeURIComponent(fx.pairs[0]!.hr)}`);
    assert.equal(plane.status, 200);
    assert.deepEqual([plane.headers['x-width'], plane.headers['x-height'], plane.headers['x-type']], ['48', '48', 'uint8']);
    assert.deepEqual(new Uint8Array(plane.body), fx.hr[0]!.data);
    assert.equal((await get(view.url, '/files/1/vdsr/r1/config.json')).status, 200);
    assert.equal((await get(view.url, '/ort/ort.min.mjs')).status, 200);
    assert.match(String((await get(view.url, '/')).body), /<script type="module" src="\/app.js">/);

    const refused: Array<[string, number]> = [
      ['/files/0/../secret.txt', 403],
      ['/files/0/%2e%2e/secret.txt', 403],
      ['/files/0/hr_div_1/%2e%2e/%2e%2e/secret.txt', 403],
      ['/files/0/%2Fetc%2Fpasswd', 403],
      ['/files/0/..%2F..%2Fsecret.txt', 403],
      ['/files/0/link-out.txt', 403],
      ['/files/0/dir-out/secret.txt', 403],
      ['/files/0/x%00.txt', 403],
      ['/files/9/l_h.txt', 404],
      ['/files/0/nothing-here.txt', 404],
      [`/api/plane?root=0&path=${encodeURIComponent('../secret.txt')}`, 403],
      [`/api/plane?root=0&path=${encodeURIComponent(join(fx.dir, 'secret.txt'))}`, 403],
      ['/ort/../package.json', 404],
      ['/ort/%2e%2e%2fpackage.json', 404],
    ];
    for (const [path, status] of refused) {
      const r = await get(view.url, path);
      assert.equal(r.status, status, `${path} answered ${r.status}`);
      assert.doesNotMatch(r.body.toString(), /secret/, path);
    }
  } finally {
    await view.close();
    rmSync(fx.dir, { recursive: true, force: true });
  }
});
