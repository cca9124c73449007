// Every registered model at every scale it supports goes through the whole path a new architecture must
// support: build, trace the inference forward with symbolic H and W, compile one training step with the
// protocol loss (MSE − 5·SSIM), export the inference ONNX graph, load it in onnxruntime and run it once.
// Models with a `demo` preset are checked at that preset (DRRN 3 recursions, MemNet 2 × 2 memory blocks): the
// same layers, names and code paths as the full depth (recursion, gates over several memories, batch norms),
// at a fraction of the trace. The bicubic baseline is a product of static matrices: it is traced at a static
// size and has nothing to train.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileStep, compileTarget, Session, sgd } from '../../src/engine/index.js';
import { countParams, initState } from '../../src/engine/nn/index.js';
import { inferenceGraph } from '../../src/infer/graph.js';
import { modelStepSpec } from '../../src/models/model.js';
import { buildModel, MODELS } from '../../src/models/registry.js';
import { mseSsimLoss } from '../../src/train/loss.js';
import { Rng } from '../../src/util/random.js';

const HR_PX = 16;
const LR_PX = 6;

for (const def of Object.values(MODELS)) {
  for (const scale of def.scales) {
    test(`${def.name} x${scale}: builds, traces with symbolic H and W, compiles a protocol-loss step, runs its ONNX graph in onnxruntime`, async () => {
      const preset = 'demo' in def.presets ? 'demo' : undefined;
      const model = buildModel(def.name, { scale, preset });
      const state = initState(model.specs, new Rng(scale));
      if (countParams(model.specs) > 0) {
        // A model that needs more than HR_PX / scale LR pixels (SwinIR's reflection to a multiple of its window)
        // trains on the smallest patch it takes.
        const hrPx = Math.max(HR_PX, (model.minInputPx ?? 1) * scale);
        const step = compileStep(modelStepSpec(model, { batch: 2, hrPx, loss: mseSsimLoss(), optimizer: sgd({ momentum: 0.9, nesterov: true }) }), await compileTarget());
        assert.ok(step.model.length > 0, 'the step lowers to ONNX');
      }
      const sized = model.staticSize ? { height: LR_PX, width: LR_PX } : {};
      const bytes = inferenceGraph(model, state, sized);
      const side = model.input === 'cv2-bicubic' ? LR_PX * scale : LR_PX;
      const rng = new Rng(7);
      const x = Float32Array.from({ length: side * side }, () => rng.uniform());
      const session = await Session.create(bytes, { threads: 1 });
      try {
        const { y } = await session.runHost({ x: { shape: [1, 1, side, side], data: x } });
        assert.deepEqual(y!.shape, [1, 1, LR_PX * scale, LR_PX * scale]);
        assert.ok((y!.data as Float32Array).every(Number.isFinite), 'finite output');
      } finally {
        await session.release();
      }
    });
  }
}
