/** Export of a model's inference graph as a standalone ONNX file (input `x` [N, 1, H, W] in [0, 1], output `y`). */
import type { StateDict } from '../engine/nn/state.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Model } from '../models/model.js';
import { inferenceGraph } from './graph.js';

/**
 * Writes the eval-mode graph with weights baked in and symbolic N, H, W (static H, W for the bicubic baseline,
 * taken from `size`). For SRCNN models `x` is the OpenCV-bicubic upsampled image at HR size, else the LR image.
 */
export async function exportOnnx(model: Model, state: StateDict, path: string, size?: { width: number; height: number }): Promise<void> {
  await writeFileAtomic(path, inferenceGraph(model, state, size ? { width: size.width, height: size.height } : {}));
}
