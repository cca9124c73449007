/** `srcaco weights convert`: a PyTorch checkpoint (e.g. the original's G-model.pth) checked against a model and written as safetensors. */
import type { Command } from 'commander';
import { convertWeights } from '../infer/weights.js';
import type { SrScale } from '../io/layout.js';
import { buildModel } from '../models/registry.js';
import { makeOutDir, methodOption, outOption, presetOption, scaleOption } from './options.js';

interface ConvertOptions {
  method: string;
  scale: SrScale;
  preset?: string;
  out: string;
}

export function register(program: Command): void {
  const weights = program.command('weights').description('weights files: convert a PyTorch checkpoint to safetensors');
  weights
    .command('convert')
    .description('check a .pth checkpoint (or safetensors) against a model, every name and shape, and write <out>/<name>.safetensors')
    .argument('<file>', 'a torch.save state_dict (.pth; nested under params/state_dict/model/netG or with a module. prefix is fine)')
    .addOption(methodOption().makeOptionMandatory())
    .addOption(scaleOption().makeOptionMandatory())
    .addOption(presetOption("hyper-parameter preset the weights were trained with (default: the original's)"))
    .addOption(outOption('folder to write <name>.safetensors into').makeOptionMandatory())
    .action(async (file: string, raw: ConvertOptions) => {
      const model = buildModel(raw.method, { scale: raw.scale, preset: raw.preset });
      await makeOutDir(raw.out);
      const r = await convertWeights(model, file, raw.out);
      const how = [r.nestedKey ? `the state_dict under '${r.nestedKey}'` : '', r.strippedModulePrefix ? "the 'module.' prefix removed" : ''].filter(Boolean).join(', ');
      process.stdout.write(`${model.name} x${model.scale}: ${r.tensors} tensors from ${file} (${r.format}${how ? `; ${how}` : ''}) -> ${r.path}\n`);
    });
}
