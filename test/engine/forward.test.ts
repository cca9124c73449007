// Forward values of ops against independent computations (PyTorch fixtures, naive JS loops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';

const torchResize = JSON.parse(readFileSync(new URL('./fixtures/resize-torch.json', import.meta.url), 'utf8')) as Record<string, number[]>;
const image = (h: number, w: number) => Float32Array.from({ length: h * w }, (_, i) => ((i * 7) % 11) / 10);

async function run(inputs: Tensor[], outputs: [string, Tensor][], feeds: Record<string, E.HostTensor>) {
  const s = await E.Session.create(E.toOnnx({ inputs, outputs }), { threads: 1 });
  const out = await s.runHost(feeds);
  await s.release();
  return out;
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('resize matches PyTorch F.interpolate (nearest, bilinear, bicubic a=-0.75, downscale, align_corners) in ORT and as matrices', async () => {
  const cases = [
    ['nearest_x2', 3, 4, 2, 'nearest', false],
    ['bilinear_x3', 3, 4, 3, 'bilinear', false],
    ['bicubic_x2', 4, 5, 2, 'bicubic', false],
    ['bicubic_half', 8, 6, 0.5, 'bicubic', false],
    ['bicubic_half_ac', 8, 6, 0.5, 'bicubic', true],
    ['bicubic_quarter_ac', 8, 12, 0.25, 'bicubic', true],
    ['bilinear_x2_ac', 3, 4, 2, 'bilinear', true],
  ] as const;
  for (const [key, h, w, scale, mode, alignCorners] of cases) {
    const x = E.input('x', [1, 1, h, w]);
    const out = await run([x], [['y', E.resize(x, scale, mode, { alignCorners })]], { x: { shape: [1, 1, h, w], data: image(h, w) } });
    assertAllClose(out.y!.data as Float32Array, torchResize[key]!, 1e-5, `ORT ${key}`);
    // The JS matrices (used by the VJP) give the same numbers: y = Mh x Mwᵀ.
    const mh = E.resizeMatrix(h, scale, mode, alignCorners);
    const mw = E.resizeMatrix(w, scale, mode, alignCorners);
    const [ho, wo] = [Math.floor(h * scale), Math.floor(w * scale)];
    const img = image(h, w);
    const y = new Float64Array(ho * wo);
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) y[i * wo + j]! += mh[i * h + a]! * img[a * w + b]! * mw[j * w + b]!;
    assertAllClose(y, torchResize[key]!, 1e-5, `matrix ${key}`);
  }
});

test('resizeTo matches PyTorch F.interpolate(size=...) at non-integer ratios, in ORT (static and symbolic sizes) and as matrices', async () => {
  const cases = [
    ['to_bilinear_3x4_7x13', 3, 4, 7, 13, 'bilinear', false],
    ['to_bilinear_9x7_4x5', 9, 7, 4, 5, 'bilinear', false],
    ['to_bilinear_1x3_5x5', 1, 3, 5, 5, 'bilinear', false],
    ['to_bicubic_4x5_6x3', 4, 5, 6, 3, 'bicubic', false],
    ['to_bicubic_5x4_3x7_ac', 5, 4, 3, 7, 'bicubic', true],
    ['to_nearest_3x5_7x3', 3, 5, 7, 3, 'nearest', false],
  ] as const;
  for (const [key, h, w, ho, wo, mode, alignCorners] of cases) {
    const x = E.input('x', [1, 1, h, w]);
    // The size read at run time from another input's shape: the symbolic path a model takes (Omni-SR's ESA).
    const like = E.input('like', [1, 1, 'H', 'W']);
    const out = await run(
      [x, like],
      [
        ['y', E.resizeTo(x, ho, wo, mode, { alignCorners })],
        ['ySym', E.resizeTo(x, 'H', 'W', mode, { alignCorners })],
      ],
      { x: { shape: [1, 1, h, w], data: image(h, w) }, like: { shape: [1, 1, ho, wo], data: new Float32Array(ho * wo) } },
    );
    assertAllClose(out.y!.data as Float32Array, torchResize[key]!, 1e-5, `ORT ${key}`);
    assert.deepEqual(out.ySym!.shape, [1, 1, ho, wo]);
    assertAllClose(out.ySym!.data as Float32Array, torchResize[key]!, 1e-5, `ORT symbolic ${key}`);
    const mh = E.resizeMatrixTo(h, ho, mode, alignCorners);
    const mw = E.resizeMatrixTo(w, wo, mode, alignCorners);
    const img = image(h, w);
    const y = new Float64Array(ho * wo);
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) y[i * wo + j]! += mh[i * h + a]! * img[a * w + b]! * mw[j * w + b]!;
    assertAllClose(y, torchResize[key]!, 1e-5, `matrix ${key}`);
  }
  assert.throws(() => E.resizeTo(E.input('x', [1, 1, 3, 3]), 0, 4, 'bilinear'), /whole and ≥ 1/);
  assert.throws(() => E.resizeTo(E.input('x', [1, 1, 3, 3]), 4, 4, 'nearest', { alignCorners: true }), RangeError);
});

test('conv2d, pixel shuffle, reflect pad, roll and fft2 agree with naive loops', async () => {
  const x = E.input('x', [1, 2, 4, 6], 'float32');
  const w = E.input('w', [3, 2, 3, 3], 'float32');
  const xs = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
  const ws = Float32Array.from({ length: 54 }, (_, i) => Math.cos(i * 0.7));
  const re = E.fft2(x).re;
  const out = await run(
    [x, w],
    [
      ['conv', E.conv2d(x, w, null, { padding: 1, stride: [1, 2] })],
      ['shuffle', E.pixelShuffle(E.reshape(x, [1, 8, 2, 3]), 2)],
      ['reflect', E.pad2d(x, [2, 1, 1, 0], 'reflect')],
      ['roll', E.roll(x, -2, 3)],
      ['fftRe', re],
      ['fftAbs', E.fft2Abs(x)],
    ],
    { x: { shape: [1, 2, 4, 6], data: xs }, w: { shape: [3, 2, 3, 3], data: ws } },
  );
  const X = (c: number, i: number, j: number) => xs[c * 24 + i * 6 + j]!;
  // conv, stride [1, 2], padding 1 → [1, 3, 4, 3]
  const conv: number[] = [];
  for (let o = 0; o < 3; o++)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let c = 0; c < 2; c++)
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const [r, q] = [i + a - 1, j * 2 + b - 1];
              if (r >= 0 && r < 4 && q >= 0 && q < 6) s += X(c, r, q) * ws[((o * 2 + c) * 3 + a) * 3 + b]!;
            }
        conv.push(s);
      }
  assertAllClose(out.conv!.data as Float32Array, conv, 1e-4, 'conv');
  // pixel shuffle: out[c, h*r+i, w*r+j] = in[c*r*r + i*r + j, h, w], input [8, 2, 3] = x's values
  const shuffle: number[] = [];
  for (let c = 0; c < 2; c++) for (let y = 0; y < 4; y++) for (let q = 0; q < 6; q++) shuffle.push(xs[(c * 4 + (y % 2) * 2 + (q % 2)) * 6 + Math.floor(y / 2) * 3 + Math.floor(q / 2)]!);
  assertAllClose(out.shuffle!.data as Float32Array, shuffle, 0, 'pixelShuffle');
  const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const reflect: number[] = [];
  for (let c = 0; c < 2; c++) for (let i = -1; i < 4; i++) for (let j = -2; j < 7; j++) reflect.push(X(c, refl(i, 4), refl(j, 6)));
  assertAllClose(out.reflect!.data as Float32Array, reflect, 0, 'reflect pad');
  const roll: number[] = [];
  for (let c = 0; c < 2; c++) for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) roll.push(X(c, i, (j + 2) % 6));
  assertAllClose(out.roll!.data as Float32Array, roll, 0, 'roll');
  const fre: number[] = [];
  const fabs: number[] = [];
  for (let c = 0; c < 2; c++)
    for (let k = 0; k < 4; k++)
      for (let l = 0; l < 6; l++) {
        let [sr, si] = [0, 0];
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 6; j++) {
            const ang = -2 * Math.PI * ((k * i) / 4 + (l * j) / 6);
            sr += X(c, i, j) * Math.cos(ang);
            si += X(c, i, j) * Math.sin(ang);
          }
        fre.push(sr);
        fabs.push(Math.hypot(sr, si));
      }
  assertAllClose(out.fftRe!.data as Float32Array, fre, 1e-4, 'fft2 real part');
  assertAllClose(out.fftAbs!.data as Float32Array, fabs, 1e-4, 'fft2 magnitude');
});

test('one inference graph with symbolic H and W runs at two sizes (conv, pixel (un)shuffle, resize, reshape)', async () => {
  const x = E.input('x', [1, 1, 'H', 'W']);
  const w = E.constant(Float32Array.from({ length: 4 * 4 * 9 }, (_, i) => ((i % 5) - 2) / 10), [4, 4, 3, 3]);
  const down = E.pixelUnshuffle(x, 2); // [1, 4, H/2, W/2]
  const y = E.pixelShuffle(E.relu(E.conv2d(down, w, null, { padding: 1 })), 2); // [1, 1, H, W]
  const up = E.resize(E.add(y, x), 2, 'bicubic');
  assert.deepEqual(up.shape, [1, 1, '2*H', '2*W']);
  // A reflection pad (slices and a concat) then an unpadded 3×3 conv gives back H and W, comparable with x's.
  const reflected = E.conv2d(E.pad2d(x, [1, 1, 1, 1], 'reflect'), E.constant(new Float32Array(9), [1, 1, 3, 3]));
  assert.deepEqual(E.concat([reflected, x], 1).shape, [1, 2, 'H', 'W']);
  const flat = E.reshape(up, [1, '2*H', '2*W']);
  const bytes = E.toOnnx({ inputs: [x], outputs: [['y', flat]] });
  const s = await E.Session.create(bytes, { threads: 1 });
  for (const [h, wd] of [
    [4, 6],
    [8, 10],
  ]) {
    const out = await s.runHost({ x: { shape: [1, 1, h!, wd!], data: image(h!, wd!) } });
    assert.deepEqual(out.y!.shape, [1, 2 * h!, 2 * wd!]);
  }
  await s.release();
});
