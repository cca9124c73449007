import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

/**
 * Resolution of a request path inside one served folder. The viewer serves only what lies under the folders it
 * was given, so a request is refused before the file system is touched when it could name anything else (an
 * absolute path, a `..` segment, a NUL byte, a backslash), and after resolving when a symbolic link leads out.
 */

/** Why a path was refused: `forbidden` (403) names something outside, `missing` (404) does not exist. */
export type SafePathResult = { ok: true; path: string } | { ok: false; status: 403 | 404; reason: string };

/** The real path of `rel` (a '/'-separated path relative to `rootReal`, itself a real path), if it stays inside. */
export async function resolveInside(rootReal: string, rel: string): Promise<SafePathResult> {
  if (rel.includes('\0') || rel.includes('\\') || isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) {
    return { ok: false, status: 403, reason: 'absolute or malformed path' };
  }
  if (rel.split('/').some((s) => s === '..')) return { ok: false, status: 403, reason: "'..' is not allowed" };
  let real: string;
  try {
    real = await realpath(resolve(rootReal, rel));
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
    return { ok: false, status: 403, reason: 'the path leads out of the served folder' };
  }
  return { ok: true, path: real };
}
