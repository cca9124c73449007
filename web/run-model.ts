import type * as Ort from 'onnxruntime-web';
import type { Plane } from '../src/image/plane.js';
import { planeOf } from '../src/image/plane.js';
import { modelInputOf } from '../src/infer/model-input.js';
import { cropBytes, type PixelRect } from '../src/report/display.js';
import { fetchBytes } from './api.js';
import { windowRects } from './window-rects.js';
import type { ViewRun } from './api.js';

/**
 * A run's best.onnx in the browser with onnxruntime-web (WebGPU where the browser has it, else WebAssembly),
 * fed exactly as Node's Upscaler feeds it (modelInputOf), on the whole patch in one call, or on the visible
 * window: the LR under it plus the model's halo, of whose output the window's part is kept (runWindow).
 */

/** The largest model file the browser is asked to load: WebAssembly memory is 4 GiB, and the session holds the
 * model's bytes twice while it is created, beside the activations. `?maxModelBytes=N` in the page's address
 * lowers it (the tests show the message with a tiny model). */
const limitParam = Number(new URLSearchParams(globalThis.location?.search).get('maxModelBytes'));
export const MAX_BROWSER_MODEL_BYTES = limitParam > 0 ? Math.min(limitParam, 1024 ** 3) : 1024 ** 3;
/** Activations of a whole-image run grow with the pixels; beyond this the run is refused with advice to tile. */
export const MAX_BROWSER_OUTPUT_PX = 2048 * 2048;

let ortModule: Promise<typeof Ort> | null = null;
const sessions = new Map<string, Promise<Ort.InferenceSession>>();

function loadOrt(): Promise<typeof Ort> {
  // Served by `srcaco view` from the onnxruntime-web package; a variable keeps the bundler from resolving it.
  const url = '/ort/ort.min.mjs';
  ortModule ??= (import(url) as Promise<typeof Ort>).then((ort) => {
    ort.env.wasm.wasmPaths = '/ort/';
    return ort;
  });
  return ortModule;
}

/** Why `run` cannot run in the browser on an LR image of `lr` pixels, or null when it can. */
export function tooLarge(run: ViewRun, lr: { width: number; height: number }): string | null {
  const advice = `run it with \`srcaco upscale\` or \`srcaco eval --run ${run.dir} --save-pred DIR\` instead`;
  if (run.onnxBytes !== null && run.onnxBytes > MAX_BROWSER_MODEL_BYTES) {
    return `this model is too large for the browser (${run.onnxBytes} bytes; at most ${MAX_BROWSER_MODEL_BYTES}): ${advice}`;
  }
  const px = lr.width * run.scale * lr.height * run.scale;
  if (px > MAX_BROWSER_OUTPUT_PX) return `this image is too large to super-resolve in the browser in one piece (${px} output pixels): zoom in and run the visible window (w), or ${advice}`;
  return null;
}

/** The run's output for `lr`, in [0, 1] at HR size; `onProgress` hears each stage. */
export async function runModel(run: ViewRun, lr: Plane, onProgress: (stage: string) => void): Promise<Plane<Float32Array>> {
  const why = tooLarge(run, lr);
  if (why !== null) throw new Error(why);
  if (run.onnx === null) throw new Error(`the run ${run.dir} has no best.onnx yet (it is written at its first validation)`);
  const ort = await loadOrt();
  const key = `${run.root}:${run.onnx}`;
  let session = sessions.get(key);
  if (!session) {
    session = (async () => {
      const bytes = await fetchBytes({ root: run.root, path: run.onnx! }, (f) => onProgress(`downloading the model ${Math.round(f * 100)} %`));
      onProgress('preparing the model');
      const gpu = 'gpu' in navigator;
      return ort.InferenceSession.create(bytes, { executionProviders: gpu ? ['webgpu', 'wasm'] : ['wasm'] });
    })();
    sessions.set(key, session);
    session.catch(() => sessions.delete(key));
  }
  const s = await session.catch((e: Error) => {
    throw new Error(memoryMessage(e) ?? `the model does not load in the browser: ${e.message}`);
  });
  const { x, width, height, outScale } = modelInputOf(run.input, run.scale, lr);
  onProgress('running');
  const out = await s.run({ x: new ort.Tensor('float32', x, [1, 1, height, width]) }).catch((e: Error) => {
    throw new Error(memoryMessage(e) ?? `the model failed in the browser: ${e.message}`);
  });
  const y = out['y']!;
  const data = y.data as Float32Array;
  const [ow, oh] = [width * outScale, height * outScale];
  if (data.length !== ow * oh) throw new Error(`the model returned ${data.length} values for a ${ow}x${oh} image`);
  return planeOf(ow, oh, Float32Array.from(data));
}

/**
 * The run's output on the LR window under `hrRect` (HR pixels): the model runs on that window plus its halo, so
 * the kept part equals the whole image's output there. Returns an HR-sized plane, zero outside the window, and
 * the window it holds (HR pixels, whole LR pixels).
 */
export async function runWindow(run: ViewRun, lr: Plane, hrRect: PixelRect, onProgress: (stage: string) => void): Promise<{ plane: Plane<Float32Array>; window: PixelRect }> {
  if (run.haloLr === null) throw new Error(`${run.method} declares no receptive field, so a window cannot be run exactly: run the whole patch (m)`);
  const s = run.scale;
  const { keep, read } = windowRects(hrRect, s, lr, run.haloLr, run.tileAlignLr);
  if (keep.width <= 0 || keep.height <= 0) throw new Error('no image in the visible window');
  const part = await runModel(run, planeOf(read.width, read.height, cropBytes(lr.data, lr.width, read)), onProgress);
  const window = { x: keep.x * s, y: keep.y * s, width: keep.width * s, height: keep.height * s };
  const out = planeOf(lr.width * s, lr.height * s, new Float32Array(lr.width * s * lr.height * s));
  const [dx, dy] = [(keep.x - read.x) * s, (keep.y - read.y) * s];
  for (let y = 0; y < window.height; y++) {
    const src = (dy + y) * part.width + dx;
    out.data.set(part.data.subarray(src, src + window.width), (window.y + y) * out.width + window.x);
  }
  return { plane: out, window };
}

function memoryMessage(e: Error): string | null {
  return /memory|allocation|out of range/i.test(e.message)
    ? `this model is too large for the browser (it ran out of memory: ${e.message.split('\n')[0]}); use \`srcaco upscale\` instead`
    : null;
}
