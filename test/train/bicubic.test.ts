import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planeOf } from '../../src/image/plane.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../../src/image/resize-cv2.js';

// Fixtures from scripts/fixtures/models-cv2-bicubic.py (cv2.resize INTER_CUBIC).
const dir = new URL('../fixtures/models/cv2_bicubic/', import.meta.url);
const bytes = (name: string) => readFileSync(new URL(name, dir));
const f32 = (name: string) => {
  const b = bytes(name);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

for (const s of [2, 4, 8]) {
  test(`float32 upscaling ×${s} matches cv2 to float32 rounding`, () => {
    const want = f32(`up_f32_x${s}.f32`);
    const got = resizeCubicCv2(planeOf(9, 7, f32('src_f32.f32')), 9 * s, 7 * s).data;
    assert.equal(got.length, want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    assert.ok(worst < 1e-6, `max |diff| ${worst}`);
  });

  test(`uint8 upscaling ×${s} is bit-exact with cv2's fixed-point path`, () => {
    for (const name of ['u8', 'u8full']) {
      const want = new Uint8Array(bytes(`up_${name}_x${s}.u8`));
      const src = new Uint8Array(bytes(`src_${name}.u8`));
      assert.deepEqual(resizeCubicCv2Uint8(planeOf(16, 12, src), 16 * s, 12 * s).data, want, name);
    }
  });
}
