/**
 * Reading a zip archive held in memory, through its central directory (what PyTorch's checkpoints are): stored
 * and deflated entries, ZIP64 sizes and offsets, every entry's CRC-32 checked. Nothing in node_modules is a
 * declared dependency that does this (adm-zip only comes with onnxruntime-node's installer).
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { SrcacoError } from '../errors.js';

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether the bytes start like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A zip archive's entries by name; `read` inflates and checks one. `path` only names the archive in errors. */
export class ZipArchive {
  private readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array, private readonly path?: string) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const end = this.findEndOfCentralDirectory();
    let count = this.u16(end + 10);
    let size = this.u32(end + 12);
    let offset = this.u32(end + 16);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      const locator = end - 20;
      if (locator < 0 || this.u32(locator) !== EOCD64_LOCATOR) this.fail('a ZIP64 archive without its ZIP64 end record');
      const end64 = this.u64(locator + 8);
      if (end64 + 56 > data.length || this.u32(end64) !== EOCD64) this.fail('the ZIP64 end record is damaged');
      count = this.u64(end64 + 32);
      size = this.u64(end64 + 40);
      offset = this.u64(end64 + 48);
    }
    if (offset + size > data.length) this.fail(`the central directory (${size} bytes at ${offset}) lies beyond the end of the file`);
    let p = offset;
    for (let k = 0; k < count; k++) {
      if (p + 46 > offset + size || this.u32(p) !== CENTRAL) this.fail(`central directory entry ${k} is damaged`);
      const nameLength = this.u16(p + 28);
      const extraLength = this.u16(p + 30);
      const commentLength = this.u16(p + 32);
      if (p + 46 + nameLength + extraLength > data.length) this.fail(`central directory entry ${k} is cut short`);
      const name = new TextDecoder().decode(data.subarray(p + 46, p + 46 + nameLength));
      let compressedBytes = this.u32(p + 20);
      let bytes = this.u32(p + 24);
      let localHeaderOffset = this.u32(p + 42);
      // ZIP64 extended information: the 8-byte values whose 4-byte fields are saturated, in this order.
      for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; ) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            if (q + 8 > e + 4 + len) this.fail(`entry '${name}' has a damaged ZIP64 field`);
            const v = this.u64(q);
            q += 8;
            return v;
          };
          if (bytes === 0xffffffff) bytes = next();
          if (compressedBytes === 0xffffffff) compressedBytes = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method: this.u16(p + 10), crc: this.u32(p + 16), compressedBytes, bytes, localHeaderOffset });
      p += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Entry names in directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** An entry's bytes (a view for stored entries), CRC-checked; a missing or damaged entry is one error. */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) this.fail(`entry '${name}' is missing`);
    const { method, crc, compressedBytes, bytes, localHeaderOffset } = e!;
    const h = localHeaderOffset;
    if (h + 30 > this.data.length || this.u32(h) !== LOCAL) this.fail(`entry '${name}' has no local header`);
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    if (start + compressedBytes > this.data.length) this.fail(`entry '${name}' ends beyond the end of the file (truncated?)`);
    const raw = this.data.subarray(start, start + compressedBytes);
    let out: Uint8Array;
    if (method === 0) {
      if (compressedBytes !== bytes) this.fail(`stored entry '${name}' has two different sizes`);
      out = raw;
    } else if (method === 8) {
      try {
        out = inflateRawSync(raw, { maxOutputLength: Math.max(1, bytes) });
      } catch (err) {
        this.fail(`entry '${name}' does not inflate (${(err as Error).message})`);
      }
      if (out!.length !== bytes) this.fail(`entry '${name}' inflates to ${out!.length} bytes, its header says ${bytes}`);
    } else {
      this.fail(`entry '${name}' uses compression method ${method}; only stored and deflated entries are read`);
    }
    if (crc32(out!) >>> 0 !== crc) this.fail(`entry '${name}' fails its CRC-32 check: the file is corrupted`);
    return out!;
  }

  private findEndOfCentralDirectory(): number {
    // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
    for (let p = this.data.length - 22; p >= Math.max(0, this.data.length - 22 - 0xffff); p--) {
      if (this.u32(p) === EOCD && p + 22 + this.u16(p + 20) === this.data.length) return p;
    }
    return this.fail('no end of central directory record (a truncated or damaged zip file)');
  }

  /** Offsets come from the file itself: one beyond its end is damage, reported as such. */
  private at(p: number, n: number): number {
    if (!(p >= 0 && p + n <= this.data.length)) this.fail(`a record at byte ${p} runs past the end of the file (truncated?)`);
    return p;
  }

  private u16(p: number): number {
    return this.view.getUint16(this.at(p, 2), true);
  }

  private u32(p: number): number {
    return this.view.getUint32(this.at(p, 4), true);
  }

  private u64(p: number): number {
    const v = this.view.getBigUint64(this.at(p, 8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a ZIP64 size beyond 2^53');
    return Number(v);
  }

  private fail(msg: string): never {
    throw new SrcacoError('input', `damaged zip archive: ${msg}`, { path: this.path });
  }
}
