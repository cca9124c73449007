/**
 * A minimal store-only (uncompressed) ZIP writer: what a bioimage.io model package needs, readable by every unzip
 * and Python's zipfile. Entries carry a fixed 1980-01-01 timestamp, so the same content gives the same bytes.
 */
import { SrcacoError } from '../errors.js';
import { crc32 } from '../image/png.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated. */
  name: string;
  data: Uint8Array;
}

/** The bytes of a ZIP archive holding `entries` stored as they are (no ZIP64: under 4 GiB in all). */
export function zipStore(entries: readonly ZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const { name, data } of entries) {
    if (seen.has(name) || name === '' || name.startsWith('/') || name.includes('\\')) throw new SrcacoError('internal', `bad or repeated zip entry name '${name}'`);
    seen.add(name);
    const nameBytes = enc.encode(name);
    const crc = crc32(data);
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true); // 00:00
    lv.setUint16(12, (0 << 9) | (1 << 5) | 1, true); // 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, (1 << 5) | 1, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    parts.push(local, data);
    central.push(entry);
    offset += local.length + data.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  if (offset + centralSize > 2 ** 32 - 1) throw new SrcacoError('output', 'the package is over 4 GiB, beyond a plain ZIP');
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + 22);
  let at = 0;
  for (const p of [...parts, ...central, end]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
