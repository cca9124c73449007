/**
 * Super-resolves whole images with a model: its input convention (LR, or OpenCV-bicubic LR at HR size),
 * one ORT session over a graph with symbolic H and W (or one per tile size for static-size models),
 * overlapping tiles for big images, output clamped to [0, 1].
 */
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import { Session } from '../engine/runtime.js';
import type { Plane } from '../image/plane.js';
import { createPlane, planeOf } from '../image/plane.js';
import { bicubicBaseline } from '../metrics/bicubic-baseline.js';
import type { Model } from '../models/model.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../image/resize-cv2.js';
import { SrcacoError } from '../errors.js';
import { upsampledHalo } from '../models/upsample.js';
import { inferenceGraph } from './graph.js';
import { runTiled } from './tiles.js';

export interface UpscalerOptions {
  device?: Device;
  threads?: number;
  /**
   * HR pixels of output each tile owns along a side (default 512: a 512² test patch runs whole, as the original
   * evaluates it); each tile reads the model's halo of context beyond it.
   */
  tileHrPx?: number;
  /** Context in LR pixels around each tile (default: the model's receptive field, so tiles change nothing). */
  haloLrPx?: number;
}

export class Upscaler {
  private readonly sessions = new Map<string, Promise<Session>>();

  constructor(
    readonly model: Model,
    private readonly state: StateDict,
    private readonly options: UpscalerOptions = {},
  ) {}

  private session(width: number, height: number): Promise<Session> {
    const key = this.model.staticSize ? `${width}x${height}` : 'any';
    let s = this.sessions.get(key);
    if (!s) {
      const size = this.model.staticSize ? { width, height } : {};
      s = Session.create(inferenceGraph(this.model, this.state, { batch: 1, ...size }), { device: this.options.device, threads: this.options.threads });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Runs the graph on one [1, 1, h, w] input (already in the model's input convention). */
  async runRaw(x: Float32Array, width: number, height: number): Promise<Float32Array> {
    const session = await this.session(width, height);
    const out = await session.runHost({ x: { shape: [1, 1, height, width], data: x } });
    return out.y!.data as Float32Array;
  }

  /**
   * LR pixels of context an output pixel needs on each side: the model's halo, and for a cv2-bicubic input the
   * cubic's 2 LR pixels beyond the HR halo. A window of the LR image with this much context beyond the part it
   * keeps gives there exactly what the whole image gives.
   */
  get haloLr(): number {
    if (this.options.haloLrPx !== undefined) return this.options.haloLrPx;
    return this.model.input === 'cv2-bicubic' ? upsampledHalo(this.modelHalo(), this.model.scale) : this.modelHalo();
  }

  /** The halo in model-input pixels (HR pixels for a cv2-bicubic input). */
  private modelHalo(): number {
    const { halo, scale, name, input } = this.model;
    if (this.options.haloLrPx !== undefined) return this.options.haloLrPx * (input === 'cv2-bicubic' ? scale : 1);
    if (halo === undefined) throw new SrcacoError('internal', `${name} declares no receptive field (halo) for tiled inference`);
    return halo;
  }

  /** LR pixels each tile owns along a side. */
  get tileLr(): number {
    return Math.max(1, Math.floor((this.options.tileHrPx ?? 512) / this.model.scale));
  }

  /** The HR image of one LR plane (uint8 0..255, or float32 in [0, 1]), in [0, 1]. */
  async upscale(lr: Plane, onTile?: (done: number, total: number) => void): Promise<Plane<Float32Array>> {
    const s = this.model.scale;
    if (this.model.name === 'bicubic') return bicubicBaseline(lr, s); // the same arithmetic, no graph needed
    const { x, width, height, outScale } = this.modelInput(lr);
    // Tiles of the model input: the owned part plus the halo on each side (in HR pixels for a cv2-bicubic input).
    const marginPx = this.modelHalo();
    const tilePx = this.tileLr * (outScale === 1 ? s : 1) + 2 * marginPx;
    const data = await runTiled(x, width, height, { tilePx, marginPx, outScale, onTile }, (t, w, h) => this.runRaw(t, w, h));
    const out = createPlane(lr.width * s, lr.height * s, 'float32');
    out.data.set(data);
    return out;
  }

  /** The model's input for a whole plane: the LR in [0, 1], or its OpenCV bicubic at HR size (SRCNN). */
  private modelInput(lr: Plane): { x: Float32Array; width: number; height: number; outScale: number } {
    const s = this.model.scale;
    if (this.model.input === 'cv2-bicubic') {
      // Evaluation convention of the original: cv2 on the uint8 image (fixed point), then / 255.
      const up = lr.data instanceof Uint8Array ? Float32Array.from(resizeCubicCv2Uint8(lr as Plane<Uint8Array>, lr.width * s, lr.height * s).data, (v) => v / 255) : clip01(resizeCubicCv2(planeOf(lr.width, lr.height, asUnit(lr)), lr.width * s, lr.height * s).data);
      return { x: up, width: lr.width * s, height: lr.height * s, outScale: 1 };
    }
    return { x: asUnit(lr), width: lr.width, height: lr.height, outScale: s };
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}

function asUnit(p: Plane): Float32Array {
  if (p.data instanceof Uint8Array) return Float32Array.from(p.data, (v) => v / 255);
  if (p.data instanceof Float32Array) return p.data;
  throw new RangeError('16-bit images are not supported: convert to 8-bit (0..255) or float32 in [0, 1]');
}

function clip01(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! < 0 ? 0 : a[i]! > 1 ? 1 : a[i]!;
  return a;
}
