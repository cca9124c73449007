import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SrcacoError } from '../errors.js';

/**
 * The viewer's browser app: web/main.ts bundled with esbuild when the server starts (in memory, nothing written),
 * so a checkout needs no build step. onnxruntime-web stays out of the bundle: the app imports it from /ort/ only
 * when a model is run.
 */
export interface WebApp {
  html: string;
  js: string;
  css: string;
}

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export async function buildWebApp(): Promise<WebApp> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${WEB_DIR}main.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    external: ['/ort/*'],
    logLevel: 'silent',
  }).catch((e: Error) => {
    throw new SrcacoError('internal', `the viewer app does not build: ${e.message.split('\n')[0]}`, { cause: e });
  });
  const [html, css] = await Promise.all([readFile(`${WEB_DIR}index.html`, 'utf8'), readFile(`${WEB_DIR}style.css`, 'utf8')]);
  return { html, css, js: result.outputFiles[0]!.text };
}
