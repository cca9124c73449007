import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import { EXECUTION_PROVIDERS } from '../engine/runtime.js';
import { exportOnnx } from '../infer/export.js';
import { upscaleTiffFile } from '../infer/upscale-file.js';
import { loadModelWeights } from '../infer/weights.js';
import type { Model } from '../models/model.js';
import { buildModel, modelNames } from '../models/registry.js';
import { RunFolder } from '../train/run-folder.js';
import { intOption } from './metrics.js';
import { progressBar, type Progress } from './progress.js';

interface RawUpscaleOptions {
  method?: string;
  scale?: string;
  preset?: string;
  weights?: string;
  run?: string;
  dtype: string;
  device: string;
  threads?: string;
  tile: string;
  onnx?: string;
}

/** The model and weights named by --run, or by --method/--scale/--preset and --weights. */
async function resolveModel(raw: RawUpscaleOptions): Promise<{ model: Model; state: StateDict }> {
  if (raw.run !== undefined) {
    if (raw.weights !== undefined) throw new SrcacoError('usage', 'give either --run or --weights, not both', { option: '--run' });
    const run = await RunFolder.open(raw.run);
    const { model } = run;
    const state = await run.loadWeights('best');
    if (raw.method !== undefined && raw.method.toLowerCase() !== model.name) {
      throw new SrcacoError('usage', `--method ${raw.method} differs from the run's method ${model.name}`, { option: '--method' });
    }
    if (raw.scale !== undefined && Number(raw.scale) !== model.scale) {
      throw new SrcacoError('usage', `--scale ${raw.scale} differs from the run's scale ${model.scale}`, { option: '--scale' });
    }
    return { model, state };
  }
  if (raw.method === undefined || raw.scale === undefined) {
    throw new SrcacoError('usage', 'give --method and --scale (or --run <dir> of a training run)', { option: '--method' });
  }
  const model = buildModel(raw.method, { scale: intOption(raw.scale, '--scale', 1), preset: raw.preset });
  if (Object.keys(model.specs).length === 0) return { model, state: {} };
  if (raw.weights === undefined) {
    throw new SrcacoError('usage', `${model.name} needs trained weights: give --weights <file.safetensors> or --run <dir>`, { option: '--weights' });
  }
  return { model, state: await loadModelWeights(model, raw.weights) };
}

/** `srcaco upscale`: super-resolves one TIFF (every plane) with a method and its weights. */
export function register(program: Command): void {
  program
    .command('upscale')
    .description('super-resolve one image (uint8 0..255 or float32 0..1 TIFF, every plane) with a trained model or the bicubic baseline')
    .argument('<in>', 'input LR TIFF')
    .argument('<out>', 'output HR TIFF (written atomically)')
    .option('--method <name>', `one of ${modelNames().join(', ')}`)
    .option('--scale <s>', '2, 4 or 8')
    .option('--preset <name>', "hyper-parameter preset the weights were trained with (e.g. 'demo')")
    .option('--weights <file>', 'weights as a safetensors state_dict (original PyTorch key names)')
    .option('--run <dir>', 'a training run folder (its config.json and best.safetensors)')
    .option('--dtype <type>', 'uint8 (rounded like the evaluation) or float32 (0..1)', 'uint8')
    .option('--device <name>', `${Object.keys(EXECUTION_PROVIDERS).join(', ')}`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: one per core)')
    .option('--tile <px>', 'tile side in HR pixels; bigger images run in overlapping tiles', '512')
    .option('--onnx <file>', "also write the model's inference graph as ONNX (input x, output y)")
    .action(async (inPath: string, outPath: string, raw: RawUpscaleOptions) => {
      if (raw.dtype !== 'uint8' && raw.dtype !== 'float32') throw new SrcacoError('usage', `--dtype must be uint8 or float32, received '${raw.dtype}'`, { option: '--dtype' });
      if (!(raw.device in EXECUTION_PROVIDERS)) {
        throw new SrcacoError('usage', `--device must be one of ${Object.keys(EXECUTION_PROVIDERS).join(', ')}, received '${raw.device}'`, { option: '--device' });
      }
      const { model, state } = await resolveModel(raw);
      if (raw.onnx !== undefined) {
        if (model.staticSize) throw new SrcacoError('usage', `${model.name} has no size-independent graph to export`, { option: '--onnx' });
        await exportOnnx(model, state, raw.onnx);
      }
      let bar: Progress | undefined;
      await upscaleTiffFile(inPath, outPath, {
        model,
        state,
        dtype: raw.dtype,
        device: raw.device as Device,
        threads: raw.threads === undefined ? undefined : intOption(raw.threads, '--threads', 1),
        tileHrPx: intOption(raw.tile, '--tile', 8),
        onTile: (plane, done, total) => {
          if (done === 1) bar = total > 1 ? progressBar(`upscale plane ${plane}`, total, 'tiles') : undefined;
          bar?.tick();
          if (done === total) bar?.stop();
        },
      });
    });
}
