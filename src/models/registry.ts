/** Every architecture srcaco knows, registered explicitly; `buildModel` is the one way to get a Model. */
import { SrcacoError } from '../errors.js';
import { bicubic } from './bicubic.js';
import { drrn } from './drrn.js';
import { memnet } from './memnet.js';
import type { Model, ModelDef } from './model.js';
import { srcnn } from './srcnn.js';
import { srcnn915 } from './srcnn915.js';
import { vdsr } from './vdsr.js';

export const MODELS: Readonly<Record<string, ModelDef>> = Object.freeze({ bicubic, srcnn, srcnn915, vdsr, drrn, memnet });

/** The names of the registered models, in registry order. */
export function modelNames(): string[] {
  return Object.keys(MODELS);
}

/** The registry entry of `name`; an unknown name fails listing the known ones. */
export function modelDef(name: string): ModelDef {
  const def = MODELS[name.toLowerCase()];
  if (!def) throw new SrcacoError('usage', `unknown method '${name}'; known: ${modelNames().join(', ')}`, { option: '--method' });
  return def;
}

export interface BuildModelOptions {
  scale: number;
  /** A named preset of the entry (e.g. 'demo'); hyper-parameters not in it keep the original's defaults. */
  preset?: string;
  /** Hyper-parameters overriding defaults and preset, by the original's names (e.g. num_residual_units). */
  config?: Readonly<Record<string, number>>;
}

/** Builds a registered model for a scale, from the original's defaults, a preset and explicit overrides. */
export function buildModel(name: string, options: BuildModelOptions): Model {
  const def = modelDef(name);
  if (!def.scales.includes(options.scale)) {
    throw new SrcacoError('usage', `${def.name} supports scales ${def.scales.join(', ')}, received ${options.scale}`, { option: '--scale' });
  }
  let preset: Readonly<Record<string, number>> = {};
  if (options.preset !== undefined && options.preset !== 'default') {
    const p = def.presets[options.preset];
    if (!p) {
      const known = ['default', ...Object.keys(def.presets)].join(', ');
      throw new SrcacoError('usage', `${def.name} has no preset '${options.preset}'; known: ${known}`, { option: '--preset' });
    }
    preset = p;
  }
  for (const key of Object.keys(options.config ?? {})) {
    if (!(key in def.defaults)) {
      const known = Object.keys(def.defaults);
      throw new SrcacoError('usage', `${def.name} has no hyper-parameter '${key}'${known.length ? `; known: ${known.join(', ')}` : ' (it has none)'}`);
    }
  }
  try {
    return def.build(options.scale, { ...def.defaults, ...preset, ...options.config });
  } catch (e) {
    if (e instanceof RangeError) throw new SrcacoError('usage', `${def.name}: ${e.message}`, { cause: e });
    throw e;
  }
}
