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
import { checkInputSize } from '../models/model.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../image/resize-cv2.js';
import { inferenceGraph } from './graph.js';
import { runTiled } from './tiles.js';

export interface UpscalerOptions {
  device?: Device;
  threads?: number;
  /** Tile side in HR pixels (default 512: a 512² test patch runs whole, as the original evaluates it). */
  tileHrPx?: number;
  /** Context kept around each tile in HR pixels (default 32, at most a quarter of the tile). */
  marginHrPx?: number;
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

  /** The HR image of one LR plane (uint8 0..255, or float32 in [0, 1]), in [0, 1]. */
  async upscale(lr: Plane, onTile?: (done: number, total: number) => void): Promise<Plane<Float32Array>> {
    const s = this.model.scale;
    if (this.model.name === 'bicubic') return bicubicBaseline(lr, s); // the same arithmetic, no graph needed
    const { x, width, height, outScale } = this.modelInput(lr);
    checkInputSize(this.model, width, height);
    const tileHr = this.options.tileHrPx ?? 512;
    const marginHr = this.options.marginHrPx ?? Math.min(32, Math.floor(tileHr / 4));
    const tilePx = outScale === 1 ? tileHr : Math.max(1, Math.floor(tileHr / s));
    const marginPx = outScale === 1 ? marginHr : Math.ceil(marginHr / s);
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
