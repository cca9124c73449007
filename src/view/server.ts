import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isSrcacoError, SrcacoError } from '../errors.js';
import { readTiff } from '../io/tiff.js';
import { resolveInside } from './safe-path.js';
import { scanRoots } from './scan.js';
import { buildWebApp, type WebApp } from './web-bundle.js';

/**
 * `srcaco view`'s HTTP server: read-only, GET only. Routes:
 *   /                      the app (index.html, /app.js, /app.css)
 *   /ort/<file>            onnxruntime-web's scripts and WebAssembly, from its npm package
 *   /api/index             what the served folders hold (see scan.ts), scanned again on every request
 *   /api/plane?root&path&page   one TIFF plane as raw pixels (headers give width, height and type)
 *   /files/<root>/<path>   a file as it is (a run's best.onnx, a per-image JSONL)
 * Every path is resolved inside its served folder (safe-path.ts); anything else is 403 or 404.
 */
export interface ViewServerOptions {
  /** Folders to serve (data roots, run folders, evaluation outputs). */
  roots: readonly string[];
  port?: number;
  host?: string;
}

export interface ViewServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

// the package's CommonJS entry lies in dist/, beside the WebAssembly files
const ORT_DIR = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
const ORT_FILE = /^ort[\w.-]*\.(mjs|wasm)$/;
const MIME: Record<string, string> = { mjs: 'text/javascript', wasm: 'application/wasm', json: 'application/json', jsonl: 'text/plain', onnx: 'application/octet-stream' };

export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  if (options.roots.length === 0) throw new SrcacoError('usage', 'give at least one folder to view (a data root, a run folder or an eval output)');
  const roots: string[] = [];
  for (const r of options.roots) {
    const real = await realpath(r).catch(() => null);
    if (real === null || !(await stat(real)).isDirectory()) throw new SrcacoError('input', 'not a folder; give data roots, run folders or eval output folders', { path: r });
    roots.push(real);
  }
  const app = await buildWebApp();
  const server = createServer((req, res) => {
    handle(req, res, roots, app).catch((e: unknown) => {
      const message = isSrcacoError(e) ? e.message : (e as Error).message;
      if (!res.headersSent) send(res, 500, 'text/plain', message);
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(new SrcacoError('usage', `cannot listen on ${host}:${options.port ?? 0} (${e.code ?? e.message}); choose another --port`, { option: '--port', cause: e })),
    );
    server.listen(options.port ?? 0, host, ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...isolation, ...headers });
  res.end(body);
}

// Cross-origin isolation lets onnxruntime-web use SharedArrayBuffer, hence its multi-threaded WebAssembly.
const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

async function handle(req: IncomingMessage, res: ServerResponse, roots: readonly string[], app: WebApp): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'the viewer is read-only');
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  let segments: string[];
  try {
    // Decoded per segment, so '%2e%2e' and '%2f' are seen for what they are by the checks below.
    segments = (q < 0 ? raw : raw.slice(0, q)).split('/').slice(1).map(decodeURIComponent);
  } catch {
    return send(res, 400, 'text/plain', 'malformed URL');
  }
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const route = segments[0] ?? '';
  if (segments.length === 1 && (route === '' || route === 'index.html')) return send(res, 200, 'text/html; charset=utf-8', app.html);
  if (segments.length === 1 && route === 'app.js') return send(res, 200, 'text/javascript', app.js);
  if (segments.length === 1 && route === 'app.css') return send(res, 200, 'text/css', app.css);
  if (segments.length === 1 && route === 'favicon.ico') return send(res, 204, 'image/x-icon', '');
  if (route === 'ort' && segments.length === 2 && ORT_FILE.test(segments[1]!)) return sendFile(res, join(ORT_DIR, segments[1]!));
  if (route === 'api' && segments[1] === 'index' && segments.length === 2) return send(res, 200, 'application/json', JSON.stringify(await scanRoots(roots)));
  if (route === 'api' && segments[1] === 'plane' && segments.length === 2) {
    const path = await inside(res, roots, params.get('root'), params.get('path') ?? '');
    if (path === null) return;
    const planes = await readTiff(path);
    const page = Number(params.get('page') ?? 0);
    const plane = planes[page];
    if (!Number.isInteger(page) || plane === undefined) return send(res, 404, 'text/plain', `no plane ${params.get('page')} (the file has ${planes.length})`);
    const d = plane.data;
    const type = d instanceof Uint8Array ? 'uint8' : d instanceof Uint16Array ? 'uint16' : 'float32';
    return send(res, 200, 'application/octet-stream', new Uint8Array(d.buffer, d.byteOffset, d.byteLength), {
      'x-width': String(plane.width),
      'x-height': String(plane.height),
      'x-type': type,
      'x-planes': String(planes.length),
    });
  }
  if (route === 'files' && segments.length >= 3) {
    const path = await inside(res, roots, segments[1]!, segments.slice(2).join('/'));
    if (path === null) return;
    return sendFile(res, path);
  }
  return send(res, 404, 'text/plain', 'not found');
}

/** The real path of `rel` inside served folder `root`, or null once a 403/404 has been sent. */
async function inside(res: ServerResponse, roots: readonly string[], root: string | null, rel: string): Promise<string | null> {
  const rootDir = root !== null && /^\d+$/.test(root) ? roots[Number(root)] : undefined;
  if (rootDir === undefined) {
    send(res, 404, 'text/plain', 'no such served folder');
    return null;
  }
  const r = await resolveInside(rootDir, rel);
  if (!r.ok) {
    send(res, r.status, 'text/plain', r.reason);
    return null;
  }
  return r.path;
}

async function sendFile(res: ServerResponse, path: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (s === null || !s.isFile()) return send(res, 404, 'text/plain', 'not found');
  res.writeHead(200, { 'content-type': MIME[path.split('.').pop()!] ?? 'application/octet-stream', 'content-length': s.size, 'cache-control': 'no-store', ...isolation });
  await new Promise<void>((ok, fail) => createReadStream(path).on('error', fail).on('end', ok).pipe(res));
}
