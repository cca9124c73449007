// The PNG encoder against an independent decoder written here (chunk walk, zlib inflate, unfiltering).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, encodePng } from '../../src/image/png.js';
import { Rng } from '../../src/util/random.js';
import { decodePng } from './png-decode.js';

test('crc32 equals zlib.crc32', () => {
  const bytes = new TextEncoder().encode('IEND and some more bytes');
  assert.equal(crc32(bytes), zlibCrc32(bytes));
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('gray and RGB images decode back to the same pixels, with filter 0 and with adaptive filters', () => {
  const rng = new Rng(3);
  for (const channels of [1, 3] as const) {
    for (const [width, height] of [[1, 1], [7, 5], [64, 33]]) {
      // a smooth ramp plus noise, so Sub/Up filters are chosen on some lines
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (Math.floor(i / channels) % width) * 3 + rng.int(5));
      for (const filter of ['none', 'adaptive'] as const) {
        const png = decodePng(encodePng({ width, height, channels, data }, { filter }));
        assert.deepEqual([png.width, png.height, png.channels], [width, height, channels]);
        assert.deepEqual(png.data, data);
        if (filter === 'none') assert.ok(png.filters.every((f) => f === 0));
      }
    }
  }
  const ramp = Uint8Array.from({ length: 64 * 16 }, (_, i) => (i % 64) * 4);
  assert.ok(decodePng(encodePng({ width: 64, height: 16, channels: 1, data: ramp })).filters.some((f) => f !== 0), 'a ramp picks Sub/Up');
});

test('wrong sizes and channel counts are refused with a message', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }), /4 bytes, received 3/);
  assert.throws(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) }), /size >= 1x1/);
  assert.throws(() => encodePng({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) }), /gray \(1 channel\) or RGB/);
});
