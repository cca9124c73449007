// The store-only zip writer: every entry found through the central directory, with its CRC-32 and bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from '../../src/image/png.js';
import { zipStore } from '../../src/io/zip-write.js';

/** Entries as an unzip finds them: end record → central directory → each local header → data. */
function readStoredZip(zip: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  assert.equal(v.getUint32(end, true), 0x06054b50);
  const count = v.getUint16(end + 10, true);
  let at = v.getUint32(end + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    assert.equal(v.getUint32(at, true), 0x02014b50);
    const [crc, size, nameLength] = [v.getUint32(at + 16, true), v.getUint32(at + 24, true), v.getUint16(at + 28, true)];
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = v.getUint32(at + 42, true);
    assert.equal(v.getUint32(local, true), 0x04034b50);
    assert.equal(v.getUint16(local + 8, true), 0, 'stored');
    const dataAt = local + 30 + v.getUint16(local + 26, true);
    const data = zip.subarray(dataAt, dataAt + size);
    assert.equal(crc32(data), crc, name);
    out.set(name, data);
    at += 46 + nameLength;
  }
  return out;
}

test('entries come back by name with their bytes; the same content gives the same archive', () => {
  const entries = [
    { name: 'rdf.yaml', data: new TextEncoder().encode('format_version: 0.5.7\n') },
    { name: 'weights/w.onnx', data: Uint8Array.from({ length: 1000 }, (_, i) => i % 251) },
    { name: 'empty.txt', data: new Uint8Array(0) },
  ];
  const zip = zipStore(entries);
  const back = readStoredZip(zip);
  assert.deepEqual([...back.keys()], entries.map((e) => e.name));
  for (const e of entries) assert.deepEqual(back.get(e.name), e.data);
  assert.deepEqual(zipStore(entries), zip);
  assert.throws(() => zipStore([entries[0]!, entries[0]!]), /repeated zip entry name 'rdf.yaml'/);
});
