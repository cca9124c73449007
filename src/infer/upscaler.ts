/**
 * Super-resolves whole images with a model: its input convention (LR, or OpenCV-bicubic LR at HR size),
 * one ORT session over a graph with symbolic H and W (or one per tile size for static-size models),
 * overlapping tiles for big images, output clamped to [0, 1].
 */
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import { Session } from '../engine/runtime.js';
import type { Plane } from '../image/plane.js';
import { createPlane } from '../image/plane.js';
import { bicubicBaseline } from '../metrics/bicubic-baseline.js';
import type { Model } from '../models/model.js';
import { checkInputSize } from '../models/model.js';
import { inferenceGraph } from './graph.js';
import { modelInputOf } from './model-input.js';
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
    const { x, width, height, outScale } = modelInputOf(this.model.input, s, lr);
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

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
