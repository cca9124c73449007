/** Export of a model's inference graph as a standalone ONNX file (input `x` [N, 1, H, W] in [0, 1], output `y`). */
import type { StateDict } from '../engine/nn/state.js';
import { writeFileAtomic } from '../io/atomic.js';
import { HR_PATCH_PX } from '../io/layout.js';
import type { Model } from '../models/model.js';
import { inferenceGraph } from './graph.js';

/**
 * Writes the eval-mode graph with weights baked in and symbolic N, H, W. A model whose graph depends on the input
 * size (the bicubic baseline's matrices, NLSN's hash buckets) gets static H, W: `size`, by default the LR size of
 * a test patch (512 HR px / scale), and batch 1. For SRCNN models `x` is the OpenCV-bicubic upsampled image at HR
 * size, else the LR image.
 */
export async function exportOnnx(model: Model, state: StateDict, path: string, size?: { width: number; height: number }): Promise<void> {
  const side = HR_PATCH_PX / model.scale;
  const fixed = size ?? (model.staticSize ? { width: side, height: side } : undefined);
  await writeFileAtomic(path, inferenceGraph(model, state, fixed ? { width: fixed.width, height: fixed.height } : {}));
}
