import type { Rng } from '../../src/util/random.js';

/**
 * Seeded mutations for the fuzz run (fuzz.ts): generic byte-level ones, TIFF-structure-aware ones (an IFD
 * entry's type, count or value offset; the next-IFD link) and token-level ones for text formats. Each returns
 * the mutated copy and a short description, so a failure names exactly what was tried.
 */
export interface Mutation {
  bytes: Uint8Array;
  how: string;
}

/** Values that sit on the edges readers get wrong: zero, one, sign bits, all ones, the file's own size. */
function interesting(rng: Rng, size: number): bigint {
  const list = [0n, 1n, 2n, 3n, 7n, 8n, 0x7fn, 0xffn, 0x100n, 0x7fffn, 0xffffn, 0x10000n, 0x7fffffffn, 0xffffffffn,
    BigInt(size), BigInt(Math.max(0, size - 1)), BigInt(size + 1), 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
  return list[rng.int(list.length)]!;
}

function writeUint(bytes: Uint8Array, at: number, width: 1 | 2 | 4 | 8, value: bigint, little: boolean): void {
  for (let k = 0; k < width && at + k < bytes.length; k++) {
    const byte = Number((value >> BigInt(8 * k)) & 0xffn);
    bytes[little ? at + k : at + width - 1 - k] = byte;
  }
}

/** One generic byte-level mutation. */
export function mutateBytes(src: Uint8Array, rng: Rng): Mutation {
  if (src.length === 0) return { bytes: Uint8Array.of(rng.int(256)), how: 'one byte' };
  const bytes = new Uint8Array(src);
  const at = rng.int(Math.max(1, bytes.length));
  switch (rng.int(5)) {
    case 0: {
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; k++) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
      return { bytes, how: `flip ${n} bit(s)` };
    }
    case 1: {
      const width = ([1, 2, 4, 8] as const)[rng.int(4)]!;
      const value = interesting(rng, src.length);
      const little = rng.int(2) === 0;
      writeUint(bytes, at, width, value, little);
      return { bytes, how: `u${width * 8}${little ? 'le' : 'be'}@${at}=${value}` };
    }
    case 2: {
      const length = rng.int(bytes.length);
      return { bytes: bytes.subarray(0, length), how: `truncate to ${length}` };
    }
    case 3: {
      const chunk = bytes.subarray(at, at + 1 + rng.int(64));
      const out = new Uint8Array(bytes.length + chunk.length);
      out.set(bytes.subarray(0, at + chunk.length));
      out.set(bytes.subarray(at), at + chunk.length);
      return { bytes: out, how: `repeat ${chunk.length} bytes at ${at}` };
    }
    default: {
      const n = 1 + rng.int(Math.min(64, Math.max(1, bytes.length - at)));
      const out = new Uint8Array(bytes.length - n);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + n), at);
      return { bytes: out, how: `delete ${n} bytes at ${at}` };
    }
  }
}

/** The byte positions of a TIFF's IFD entries and next-IFD links, walked without the reader under test. */
function tiffLayout(bytes: Uint8Array): { little: boolean; big: boolean; entries: number[]; links: number[]; ifds: number[] } | null {
  if (bytes.length < 16) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49;
  const big = view.getUint16(2, little) === 43;
  const entries: number[] = [];
  const links: number[] = [];
  const ifds: number[] = [];
  let ifd = big ? Number(view.getBigUint64(8, little)) : view.getUint32(4, little);
  while (ifd > 0 && ifd + 8 < bytes.length && ifds.length < 64 && !ifds.includes(ifd)) {
    ifds.push(ifd);
    const count = big ? Number(view.getBigUint64(ifd, little)) : view.getUint16(ifd, little);
    const first = ifd + (big ? 8 : 2);
    const size = big ? 20 : 12;
    const link = first + count * size;
    if (link + (big ? 8 : 4) > bytes.length) break;
    for (let e = 0; e < count; e++) entries.push(first + e * size);
    links.push(link);
    ifd = big ? Number(view.getBigUint64(link, little)) : view.getUint32(link, little);
  }
  return { little, big, entries, links, ifds };
}

/** One mutation of a TIFF's structure: an entry's field or an IFD link (generic when the file has no IFD). */
export function mutateTiff(src: Uint8Array, rng: Rng): Mutation {
  const layout = tiffLayout(src);
  if (!layout || layout.entries.length === 0 || rng.int(4) === 0) return mutateBytes(src, rng);
  const { little, big, entries, links, ifds } = layout;
  const bytes = new Uint8Array(src);
  if (rng.int(6) === 0) {
    const link = links[rng.int(links.length)]!;
    const target = [0, ifds[rng.int(ifds.length)]!, link - 2, src.length][rng.int(4)]!;
    writeUint(bytes, link, big ? 8 : 4, BigInt(target), little);
    return { bytes, how: `next-IFD link @${link}=${target}` };
  }
  const entry = entries[rng.int(entries.length)]!;
  const tag = new DataView(bytes.buffer).getUint16(entry, little);
  const field = rng.int(3);
  if (field === 0) {
    const type = [1, 2, 3, 4, 5, 7, 11, 12, 16, 0, 99][rng.int(11)]!;
    writeUint(bytes, entry + 2, 2, BigInt(type), little);
    return { bytes, how: `tag ${tag} type=${type}` };
  }
  const value = interesting(rng, src.length);
  if (field === 1) {
    writeUint(bytes, entry + 4, big ? 8 : 4, value, little);
    return { bytes, how: `tag ${tag} count=${value}` };
  }
  writeUint(bytes, entry + (big ? 12 : 8), big ? 8 : 4, value, little);
  return { bytes, how: `tag ${tag} value=${value}` };
}

const TOKENS = ['-1', '0', '1', '1.5', '1e309', '-0', 'null', 'true', '"x"', '[]', '{}', '[1,2]', '"../.."', '9007199254740993', '""', '"NaN"', ',', '\r', '\n', '"'];

/** One mutation of a text format: a number, string or line replaced, deleted or repeated (or a byte-level one). */
export function mutateText(src: Uint8Array, rng: Rng): Mutation {
  if (rng.int(3) === 0) return mutateBytes(src, rng);
  const text = new TextDecoder().decode(src);
  const spans = [...text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false|null|[^,\n]+/g)];
  if (spans.length === 0) return mutateBytes(src, rng);
  const m = spans[rng.int(spans.length)]!;
  const start = m.index!;
  const end = start + m[0].length;
  const op = rng.int(3);
  const token = TOKENS[rng.int(TOKENS.length)]!;
  const out = op === 0 ? text.slice(0, start) + token + text.slice(end) : op === 1 ? text.slice(0, start) + text.slice(end) : text.slice(0, end) + m[0] + text.slice(end);
  const how = op === 0 ? `replace ${JSON.stringify(m[0].slice(0, 40))} with ${JSON.stringify(token)}` : `${op === 1 ? 'delete' : 'repeat'} ${JSON.stringify(m[0].slice(0, 40))}`;
  return { bytes: new TextEncoder().encode(out), how };
}
