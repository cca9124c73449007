/**
 * StarDist-style nucleus detection: percentile normalisation (StarDist's default 1 and 99.8), a network predicting
 * object probability and ray distances on a grid, then star-convex polygon NMS and rasterisation to a label image
 * (star-polygons.ts). The network is srcaco's shipped one (trained with the engine on simulated H2B images:
 * `srcaco detector train`), or a user's StarDist model exported to ONNX (`--detector model.onnx`), which runs
 * through the same post-processing.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileFunction } from '../engine/compile.js';
import { forwardContext } from '../engine/nn/layers.js';
import { stateFromSafetensors, type StateDict } from '../engine/nn/state.js';
import { sigmoid } from '../engine/ops/elementwise.js';
import { concat, transpose } from '../engine/ops/shape.js';
import { Session, type HostTensor } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { readSafetensors } from '../io/safetensors.js';
import { normalisePercentiles, type Detection } from './detect-classical.js';
import { starOnnxLayout, type StarOnnxLayout } from './star-onnx-layout.js';
import { polygonsToLabels, suppressPolygons, type StarPolygon } from './star-polygons.js';
import { starDivisor, starUnet, STAR_UNET_DEFAULT, type StarUnetConfig } from './star-unet.js';

export interface StarDetectorOptions {
  /** Proposals need a probability above this (SPEC §6 / the paper: 0.6). */
  probThreshold?: number;
  /** Overlap (intersection over the smaller area) above which NMS suppresses (SPEC §6: 0.4). */
  nmsThreshold?: number;
  /** Normalisation percentiles (StarDist's default: 1 and 99.8). */
  percentiles?: readonly [number, number];
  /**
   * Grid points this close to the image border propose nothing (StarDist's `b`). Default 0, not StarDist's 2: at
   * grid 2 that band is 4 px wide and drops nuclei the border cuts to a sliver (StarDist's own code notes it), which
   * the downstream task counts in its 512-px crops; on whole simulated tiles the two give the same F1.
   */
  border?: number;
}

/** The shipped weights: the network trained by `srcaco detector train` with its defaults. */
export const SHIPPED_STAR_WEIGHTS = fileURLToPath(new URL('../../assets/stardist-cell2.safetensors', import.meta.url));

const DEFAULTS = { probThreshold: 0.6, nmsThreshold: 0.4, percentiles: [1, 99.8] as const, border: 0 };

/** A saved network: its configuration (from the file's metadata) and its state. */
export interface StarWeights {
  config: StarUnetConfig;
  state: StateDict;
  metadata: Record<string, string>;
}

/** Reads weights written by `srcaco detector train` (the configuration travels in the metadata). */
export async function readStarWeights(path: string): Promise<StarWeights> {
  const content = await readSafetensors(path);
  const metadata = content.metadata ?? {};
  let config: StarUnetConfig = STAR_UNET_DEFAULT;
  if (metadata.config) {
    try {
      config = JSON.parse(metadata.config) as StarUnetConfig;
    } catch (e) {
      throw new SrcacoError('input', `the detector weights' configuration is not JSON (${(e as Error).message})`, { path, cause: e });
    }
  }
  const state = stateFromSafetensors(starUnet(config).specs, content, { model: 'StarDist-style detector', path });
  return { config, state, metadata };
}

/**
 * The network as an inference graph: [1, 1, H, W] in, probability (sigmoid) and distances out, channels-first; or
 * channels-last throughout (tf2onnx's layout of StarDist), or with both outputs in one (`combined`).
 */
export function starInferenceGraph(weights: Pick<StarWeights, 'config' | 'state'>, layout: 'NCHW' | 'NHWC' = 'NCHW', { combined = false }: { combined?: boolean } = {}): Uint8Array {
  const net = starUnet(weights.config);
  // sides as multiples of the divisor keep the pooled and upsampled sizes comparable symbols for the skip concats
  const d = starDivisor(weights.config), H = `${d}*H`, W = `${d}*W`;
  const floats = Object.fromEntries(Object.entries(weights.state).filter(([, t]) => t.data instanceof Float32Array).map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }]));
  return compileFunction({
    name: 'srcaco-stardist',
    inputs: { image: layout === 'NCHW' ? [1, 1, H, W] : [1, H, W, 1] },
    weights: floats,
    fn: ({ image }, w) =>
      net.bind(w, forwardContext(false), (forward): Record<string, Tensor> => {
        const x = layout === 'NCHW' ? image! : transpose(image!, [0, 3, 1, 2]);
        const { probLogits, dist } = forward(x);
        const prob = sigmoid(probLogits);
        if (combined) return { y: layout === 'NCHW' ? concat([prob, dist], 1) : transpose(concat([prob, dist], 1), [0, 2, 3, 1]) };
        return layout === 'NCHW' ? { prob, dist } : { prob: transpose(prob, [0, 2, 3, 1]), dist: transpose(dist, [0, 2, 3, 1]) };
      }),
  });
}

/** Reflect-pads a row-major image at the bottom and right to multiples of `divisor`. */
function padToMultiple(image: Float32Array, width: number, height: number, divisor: number): { data: Float32Array; width: number; height: number } {
  const W = Math.ceil(width / divisor) * divisor, H = Math.ceil(height / divisor) * divisor;
  if (W === width && H === height) return { data: image, width, height };
  const reflect = (i: number, n: number) => (n === 1 ? 0 : i < n ? i : Math.max(0, 2 * n - 2 - i));
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = image[reflect(y, height) * width + reflect(x, width)]!;
  return { data, width: W, height: H };
}

/** Channel 0 and channels 1.. of a 4-D tensor along `axis` (1 or 3), as two tensors of the same layout. */
function splitChannels(t: HostTensor, axis: 1 | 3): [HostTensor, HostTensor] {
  const [n, a, b, c] = t.shape as [number, number, number, number];
  const data = t.data as Float32Array;
  if (axis === 1) {
    const plane = b * c;
    return [{ shape: [n, 1, b, c], data: data.slice(0, plane) }, { shape: [n, a - 1, b, c], data: data.slice(plane, a * plane) }];
  }
  const pixels = a * b;
  const p = new Float32Array(pixels), d = new Float32Array(pixels * (c - 1));
  for (let i = 0; i < pixels; i++) {
    p[i] = data[i * c]!;
    d.set(data.subarray(i * c + 1, i * c + c), i * (c - 1));
  }
  return [{ shape: [n, a, b, 1], data: p }, { shape: [n, a, b, c - 1], data: d }];
}

/** A loaded detector: one ONNX Runtime session and the layout of its graph. */
export class StarDetector {
  private constructor(
    private readonly session: Session,
    private readonly layout: StarOnnxLayout,
    /** Input sides are padded to multiples of this. */
    private readonly divisor: number,
    /** What downstream.json records. */
    readonly description: string,
  ) {}

  /** srcaco's detector from its weights (default: the shipped ones). */
  static async fromWeights(path = SHIPPED_STAR_WEIGHTS, options: { threads?: number } = {}): Promise<StarDetector> {
    const weights = await readStarWeights(path);
    const session = await Session.create(starInferenceGraph(weights), { threads: options.threads ?? 2, spinning: false });
    const layout: StarOnnxLayout = { input: 'image', inputLayout: 'NCHW', prob: 'prob', dist: 'dist', combined: false, outputChannelAxis: 1, nRays: weights.config.nRays };
    const name = path === SHIPPED_STAR_WEIGHTS ? 'srcaco StarDist-style U-Net (shipped weights, simulated H2B)' : `srcaco StarDist-style U-Net (${path})`;
    return new StarDetector(session, layout, starDivisor(weights.config), name);
  }

  /**
   * A user's StarDist model exported to ONNX. Sides are padded to multiples of 16 (StarDist 2D's U-Net of depth 3
   * at grid 2; a model needing more fails in ONNX Runtime with its own message).
   */
  static async fromOnnx(path: string, options: { threads?: number; divisor?: number } = {}): Promise<StarDetector> {
    let model: Uint8Array;
    try {
      model = await readFile(path);
    } catch (e) {
      throw new SrcacoError('input', `cannot read the detector model (${(e as NodeJS.ErrnoException).code ?? e})`, { path, option: '--detector', cause: e });
    }
    const layout = starOnnxLayout(model, path);
    const session = await Session.create(model, { threads: options.threads ?? 2, spinning: false });
    return new StarDetector(session, layout, options.divisor ?? 16, `StarDist ONNX model ${path} (${layout.inputLayout}, ${layout.nRays} rays)`);
  }

  /** The network's probability [h·w] and distances [h·w·R] (row-major, rays last) for a normalised image. */
  async predict(image: Float32Array, width: number, height: number): Promise<{ prob: Float32Array; dist: Float32Array; gridH: number; gridW: number; grid: number }> {
    const padded = padToMultiple(image, width, height, this.divisor);
    const shape = this.layout.inputLayout === 'NCHW' ? [1, 1, padded.height, padded.width] : [1, padded.height, padded.width, 1];
    const out = await this.session.runHost({ [this.layout.input]: { shape, data: padded.data } });
    const axis = this.layout.outputChannelAxis;
    const [prob, dist] = this.layout.combined ? splitChannels(out[this.layout.prob]!, axis) : [out[this.layout.prob]!, out[this.layout.dist]!];
    const spatial = (t: HostTensor) => (axis === 3 ? [t.shape[1]!, t.shape[2]!] : [t.shape[2]!, t.shape[3]!]);
    const [gh, gw] = spatial(prob) as [number, number];
    const R = dist.shape[axis]!;
    const grid = padded.height / gh;
    if (!Number.isInteger(grid) || padded.width / gw !== grid || spatial(dist)[0] !== gh || spatial(dist)[1] !== gw) {
      throw new SrcacoError('input', `the detector's outputs [${prob.shape.join(', ')}] and [${dist.shape.join(', ')}] do not tile its input [${shape.join(', ')}] on one integer grid`, { option: '--detector' });
    }
    const p = Float32Array.from(prob.data as Float32Array);
    let d = dist.data as Float32Array;
    if (axis === 1) {
      // channels-first → rays last, the layout the post-processing reads
      const n = gh * gw, t = new Float32Array(n * R);
      for (let k = 0; k < R; k++) for (let i = 0; i < n; i++) t[i * R + k] = d[k * n + i]!;
      d = t;
    } else d = Float32Array.from(d);
    return { prob: p, dist: d, gridH: gh, gridW: gw, grid };
  }

  /** Detects nuclei in one plane (any pixel type); sizes in the plane's pixels. */
  async detect(plane: Plane, options: StarDetectorOptions = {}): Promise<Detection> {
    const { width, height } = plane;
    const [pLo, pHi] = options.percentiles ?? DEFAULTS.percentiles;
    const probThreshold = options.probThreshold ?? DEFAULTS.probThreshold;
    const border = options.border ?? DEFAULTS.border;
    const { prob, dist, gridW, grid } = await this.predict(normalisePercentiles(plane, pLo, pHi), width, height);
    const R = dist.length / prob.length;
    // proposals: grid points inside the image (not its padding), off the border band, above the threshold
    const gh = Math.ceil(height / grid), gw = Math.ceil(width / grid);
    const proposals: StarPolygon[] = [];
    for (let i = border; i < gh - border; i++) {
      for (let j = border; j < gw - border; j++) {
        const at = i * gridW + j;
        if (prob[at]! > probThreshold) proposals.push({ y: i * grid, x: j * grid, prob: prob[at]!, dist: dist.subarray(at * R, at * R + R) });
      }
    }
    const kept = suppressPolygons(proposals, options.nmsThreshold ?? DEFAULTS.nmsThreshold, height, width);
    const { labels, indices } = polygonsToLabels(kept, height, width);
    return { labels, count: indices.length, width, height, seeds: indices.map((i) => ({ y: proposals[i]!.y, x: proposals[i]!.x })) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
