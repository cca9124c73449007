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
import { SrcacoError } from '../errors.js';
import { upsampledHalo } from '../models/upsample.js';
import { inferenceGraph } from './graph.js';
import { modelInputOf } from './model-input.js';
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

/**
 * The LR context a model's output pixel needs on each side (Upscaler.haloLr without an override), or null when
 * the model declares no receptive field. The viewer's index carries it so the browser can run a window exactly.
 */
export function modelHaloLr(model: Model): number | null {
  if (model.halo === undefined) return null;
  return model.input === 'cv2-bicubic' ? upsampledHalo(model.halo, model.scale) : model.halo;
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
    // null only for a model without a halo, where modelHalo() throws the actionable error
    return modelHaloLr(this.model) ?? this.modelHalo();
  }

  /** The halo in model-input pixels (HR pixels for a cv2-bicubic input). */
  private modelHalo(): number {
    const { halo, scale, name, input } = this.model;
    if (this.options.haloLrPx !== undefined) return this.options.haloLrPx * (input === 'cv2-bicubic' ? scale : 1);
    if (halo === undefined) throw new SrcacoError('internal', `${name} declares no receptive field (halo) for tiled inference`);
    return halo;
  }

  /** LR pixels each tile owns along a side (a multiple of the model's tile alignment). */
  get tileLr(): number {
    const a = this.tileAlignLr;
    return Math.max(a, Math.floor((this.options.tileHrPx ?? 512) / this.model.scale / a) * a);
  }

  /** LR pixels that tile starts must be a multiple of (Model.tileAlign; 1 for most models). */
  get tileAlignLr(): number {
    return this.model.tileAlign ?? 1;
  }

  /**
   * For a model with global context (Model.globalContext), what tiling an LR image of this size changes, or null
   * when it runs whole (one tile) or the model's tiles are exact.
   */
  tilingWarning(width: number, height: number): string | null {
    const { globalContext, name } = this.model;
    if (!globalContext || (width <= this.tileLr && height <= this.tileLr)) return null;
    const side = Math.max(width, height) * this.model.scale;
    return (
      `${name} sees the whole image at once (global attention or image-aligned windows), but this ${width}×${height} LR image ` +
      `runs in tiles of ${this.tileLr} LR px with ${this.haloLr} px of context: the output approximates a whole-image run. ` +
      `For the exact result, pass --tile ${side} (one tile; memory grows with its area)`
    );
  }

  /** Refuses an LR image (of file `path`) smaller than the model can run on, before any work is done for it. */
  checkLrSize(width: number, height: number, path?: string): void {
    const k = this.model.input === 'cv2-bicubic' ? this.model.scale : 1;
    checkInputSize(this.model, width * k, height * k, path);
  }

  /** The HR image of one LR plane (uint8 0..255, or float32 in [0, 1]), in [0, 1]. */
  async upscale(lr: Plane, onTile?: (done: number, total: number) => void): Promise<Plane<Float32Array>> {
    const s = this.model.scale;
    if (this.model.name === 'bicubic') return bicubicBaseline(lr, s); // the same arithmetic, no graph needed
    const { x, width, height, outScale } = modelInputOf(this.model.input, s, lr);
    checkInputSize(this.model, width, height);
    // Tiles of the model input: the owned part plus the halo on each side (in HR pixels for a cv2-bicubic input).
    const marginPx = this.modelHalo();
    const perLr = outScale === 1 ? s : 1;
    const tilePx = this.tileLr * perLr + 2 * marginPx;
    const align = this.tileAlignLr * perLr;
    const data = await runTiled(x, width, height, { tilePx, marginPx, outScale, align, onTile }, (t, w, h) => this.runRaw(t, w, h));
    const out = createPlane(lr.width * s, lr.height * s, 'float32');
    out.data.set(data);
    return out;
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
