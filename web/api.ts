import { planeOf, type Plane } from '../src/image/plane.js';
import type { ViewIndex } from '../src/view/index-types.js';

/** The server's API, as the app uses it (src/view/server.ts). */

export type { ViewIndex, ViewEval, ViewRun, ViewSplit } from '../src/view/index-types.js';

/** A file in a served folder. */
export interface FileRef {
  root: number;
  path: string;
}

export async function fetchIndex(): Promise<ViewIndex> {
  return (await checked(await fetch('/api/index'))).json() as Promise<ViewIndex>;
}

/** Plane `page` of a TIFF, decoded by the server. */
export async function fetchPlane(f: FileRef, page = 0): Promise<Plane> {
  const res = await checked(await fetch(`/api/plane?root=${f.root}&path=${encodeURIComponent(f.path)}&page=${page}`));
  const [w, h, type] = [Number(res.headers.get('x-width')), Number(res.headers.get('x-height')), res.headers.get('x-type')];
  const buf = await res.arrayBuffer();
  const data = type === 'uint8' ? new Uint8Array(buf) : type === 'uint16' ? new Uint16Array(buf) : new Float32Array(buf);
  return planeOf(w, h, data);
}

export function fileUrl(f: FileRef): string {
  return `/files/${f.root}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A file's bytes, reporting the share downloaded so far. */
export async function fetchBytes(f: FileRef, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const res = await checked(await fetch(fileUrl(f)));
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
  const out = new Uint8Array(total);
  let got = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, got);
    got += value.length;
    onProgress?.(got / total);
  }
  return out;
}

async function checked(res: Response): Promise<Response> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return res;
}
