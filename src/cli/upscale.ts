import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import type { Device } from '../engine/runtime.js';
import { exportOnnx } from '../infer/export.js';
import { upscaleTiffFile } from '../infer/upscale-file.js';
import { loadModelWeights } from '../infer/weights.js';
import type { SrScale } from '../io/layout.js';
import type { Model } from '../models/model.js';
import { applyNlsnRotations } from '../models/nlsn-rotations.js';
import { buildModel } from '../models/registry.js';
import { RunFolder } from '../train/run-folder.js';
import { choiceOption, deviceOption, integerOption, methodOption, numberOption, presetOption, refuseOptions, scaleOption, threadsOption } from './options.js';
import { progressBar, type Progress } from './progress.js';

interface UpscaleOptions {
  method?: string;
  scale?: SrScale;
  preset?: string;
  weights?: string;
  run?: string;
  dtype: 'uint8' | 'float32';
  device: Device;
  threads?: number;
  tile: number;
  halo?: number;
  pixelSize?: number;
  onnx?: string;
  nlsnRotations?: string;
}

/** The model and weights named by --run, or by --method/--scale/--preset and --weights. */
async function resolveModel(raw: UpscaleOptions, command: Command): Promise<{ model: Model; state: StateDict }> {
  if (raw.run !== undefined) {
    refuseOptions(command, ['weights', 'preset'], "does not go with --run (the run folder holds the weights and the model's preset)");
    const run = await RunFolder.open(raw.run);
    const { model } = run;
    const state = await run.loadWeights('best');
    if (raw.method !== undefined && raw.method !== model.name) {
      throw new SrcacoError('usage', `--method ${raw.method} differs from the run's method ${model.name}`, { option: '--method' });
    }
    if (raw.scale !== undefined && raw.scale !== model.scale) {
      throw new SrcacoError('usage', `--scale ${raw.scale} differs from the run's scale ${model.scale}`, { option: '--scale' });
    }
    return { model, state };
  }
  if (raw.method === undefined || raw.scale === undefined) {
    throw new SrcacoError('usage', 'give --method and --scale (or --run <dir> of a training run)', { option: '--method' });
  }
  const model = buildModel(raw.method, { scale: raw.scale, preset: raw.preset });
  if (Object.keys(model.specs).length === 0) return { model, state: {} };
  if (raw.weights === undefined) {
    throw new SrcacoError('usage', `${model.name} needs trained weights: give --weights <file.safetensors|file.pth> or --run <dir>`, { option: '--weights' });
  }
  return { model, state: await loadModelWeights(model, raw.weights) };
}

/** `srcaco upscale`: super-resolves one TIFF (every plane, streamed) into a pyramidal OME-TIFF with a method and its weights. */
export function register(program: Command): void {
  program
    .command('upscale')
    .description('super-resolve one image, up to a whole tile (uint8 0..255 or float32 0..1 TIFF, every plane), streamed into a tiled pyramidal OME-TIFF, with a trained model or the bicubic baseline')
    .argument('<in>', 'input LR TIFF')
    .argument('<out>', 'output HR OME-TIFF: one channel per input plane, reduced levels in SubIFDs (written atomically)')
    .addOption(methodOption())
    .addOption(scaleOption())
    .addOption(presetOption("hyper-parameter preset the weights were trained with (e.g. 'demo')"))
    .option('--weights <file>', 'weights: a safetensors state_dict or a PyTorch .pth checkpoint (original PyTorch key names)')
    .option('--run <dir>', 'a training run folder (its config.json and best.safetensors)')
    .addOption(choiceOption('--dtype <type>', 'uint8 (rounded like the evaluation) or float32 (0..1)', ['uint8', 'float32']).default('uint8'))
    .addOption(deviceOption().default('cpu'))
    .addOption(threadsOption())
    .addOption(integerOption('--tile <px>', "HR pixels each model run keeps along a side; it also reads the model's halo around them", { min: 8 }).default(512))
    .addOption(integerOption('--halo <px>', "context around each tile in LR pixels (default: the model's receptive field, so tiles change nothing)", { min: 0 }))
    .addOption(numberOption('--pixel-size <um>', "the input's pixel size in µm (default: its resolution tags); the output's is this / scale", { above: 0 }))
    .option('--onnx <file>', "also write the model's inference graph as ONNX (input x, output y)")
    .option('--nlsn-rotations <file>', "nlsn only: its hash rotations from a float32 .npy [k, n_feats/4, n_hashes, buckets/2] (the k attention modules' draws in forward order) instead of srcaco's fixed seeded draw")
    .action(async (inPath: string, outPath: string, raw: UpscaleOptions, command: Command) => {
      const resolved = await resolveModel(raw, command);
      const state = resolved.state;
      const model = applyNlsnRotations(resolved.model, raw.nlsnRotations);
      if (raw.onnx !== undefined) {
        if (model.staticSize) throw new SrcacoError('usage', `${model.name} has no size-independent graph to export`, { option: '--onnx' });
        await exportOnnx(model, state, raw.onnx);
      }
      let bar: Progress | undefined;
      await upscaleTiffFile(inPath, outPath, {
        model,
        state,
        dtype: raw.dtype,
        device: raw.device,
        threads: raw.threads,
        tileHrPx: raw.tile,
        haloLrPx: raw.halo,
        pixelSizeUm: raw.pixelSize,
        onBand: (done, total) => {
          if (done === 1) bar = total > 1 ? progressBar('upscale', total, 'bands') : undefined;
          bar?.tick();
          if (done === total) bar?.stop();
        },
      });
    });
}
