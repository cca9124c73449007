/**
 * Every architecture srcaco knows, registered explicitly; `buildModel` is the one way to get a Model. The list
 * below is also the one source of the CLI's `--method` help, the display names of result tables, the README's
 * model table and `srcaco models`.
 */
import { countParams } from '../engine/nn/spec.js';
import { SrcacoError } from '../errors.js';
import { act } from './act.js';
import { bicubic } from './bicubic.js';
import type { ConfigValue, ConfigValues } from './config.js';
import { dbpn } from './dbpn.js';
import { dfcan } from './dfcan.js';
import { drrn } from './drrn.js';
import { enlcn } from './enlcn.js';
import { grl } from './grl.js';
import { memnet } from './memnet.js';
import type { Model, ModelDef, ModelFamily } from './model.js';
import { mslapsrn } from './mslapsrn.js';
import { nlsn } from './nlsn.js';
import { omnisr } from './omnisr.js';
import { prosr } from './prosr.js';
import { srcnn } from './srcnn.js';
import { srcnn915 } from './srcnn915.js';
import { srfbn } from './srfbn.js';
import { swinir } from './swinir.js';
import { vdsr } from './vdsr.js';

export const MODELS: Readonly<Record<string, ModelDef>> = Object.freeze({ bicubic, srcnn, srcnn915, vdsr, drrn, memnet, dbpn, srfbn, prosr, mslapsrn, dfcan, nlsn, enlcn, swinir, grl, act, omnisr });

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

/** The paper's spelling of a method in result tables ('MemNet'); a name not registered is kept as it is. */
export function modelDisplayName(name: string): string {
  return MODELS[name.toLowerCase()]?.displayName ?? name;
}

/** Whether a model has anything to train (the bicubic baseline has not). */
function trainable(def: ModelDef): boolean {
  return countParams(def.build(def.scales[0]!, {}).specs) > 0;
}

/** The `--method` help of a command: every registered model, or (`trainable`) those with parameters. */
export function methodHelp({ trainable: onlyTrainable = false } = {}): string {
  const names = Object.values(MODELS).filter((d) => !onlyTrainable || trainable(d)).map((d) => d.name);
  return `model: ${names.join(', ')}`;
}

export interface BuildModelOptions {
  scale: number;
  /** A named preset of the entry (e.g. 'demo'); hyper-parameters not in it keep the original's defaults. */
  preset?: string;
  /** Hyper-parameters overriding defaults and preset, by the original's names (e.g. num_residual_units). */
  config?: Readonly<Record<string, ConfigValue>>;
}

/** Builds a registered model for a scale, from the original's defaults, a preset and explicit overrides. */
export function buildModel(name: string, options: BuildModelOptions): Model {
  const def = modelDef(name);
  if (!def.scales.includes(options.scale)) {
    throw new SrcacoError('usage', `${def.name} supports scales ${def.scales.join(', ')}, received ${options.scale}`, { option: '--scale' });
  }
  let preset: ConfigValues = {};
  if (options.preset !== undefined && options.preset !== 'default') {
    const p = def.presets[options.preset];
    if (!p) {
      const known = ['default', ...Object.keys(def.presets)].join(', ');
      throw new SrcacoError('usage', `${def.name} has no preset '${options.preset}'; known: ${known}`, { option: '--preset' });
    }
    preset = p;
  }
  try {
    return def.build(options.scale, { ...preset, ...options.config });
  } catch (e) {
    // A layer refusing its shapes (channels not divisible by groups...) is a bad configuration, not a bug.
    if (e instanceof RangeError) throw new SrcacoError('usage', `${def.name}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** What `srcaco models` lists of one model. */
export interface ModelSummary {
  name: string;
  displayName: string;
  family: ModelFamily;
  scales: number[];
  /** Trainable parameters of the default configuration, by scale. */
  params: Record<string, number>;
  defaults: ConfigValues;
  presets: Readonly<Record<string, ConfigValues>>;
  upsampling: string;
  /** Which outputs the training loss sees: 'HR output', or every output and how their terms are combined. */
  lossOn: string;
  description: string;
}

/** Every registered model, in registry order, with its parameter count per scale. */
export function modelSummaries(): ModelSummary[] {
  return Object.values(MODELS).map((d) => ({
    name: d.name,
    displayName: d.displayName,
    family: d.family,
    scales: [...d.scales],
    params: Object.fromEntries(d.scales.map((s) => [`x${s}`, countParams(d.build(s, {}).specs)])),
    defaults: d.defaults,
    presets: d.presets,
    upsampling: d.upsampling,
    lossOn:
      d.lossOn.kind === 'last'
        ? 'HR output'
        : `${d.lossOn.names?.join(', ') ?? 'HR output and every intermediate output'}, ${d.lossOn.reduce === 'mean' ? 'averaged' : 'summed'}`,
    description: d.description,
  }));
}

/** A parameter count per scale, once when every scale has the same (`664,704`), else `x2 …, x4 …`. */
export function formatParamCounts(params: Readonly<Record<string, number>>): string {
  const counts = Object.entries(params);
  const n = (v: number) => v.toLocaleString('en-US');
  return new Set(counts.map(([, v]) => v)).size === 1 ? n(counts[0]![1]) : counts.map(([s, v]) => `${s} ${n(v)}`).join(', ');
}

/** The README's model table (between `<!-- models:begin -->` and `<!-- models:end -->`), from the registry. */
export function modelTableMarkdown(): string {
  const presets = (m: ModelSummary) =>
    Object.entries(m.presets).map(([name, p]) => `${name}: ${Object.entries(p).map(([k, v]) => `${k} = ${v}`).join(', ')}`).join('; ') || '–';
  const rows = modelSummaries().map((m) =>
    `| \`${m.name}\` | ${m.displayName} | ${m.family} | ${m.scales.map((s) => `×${s}`).join(' ')} | ${formatParamCounts(m.params)} | ${m.description} | ${presets(m)} |`,
  );
  return ['| method | paper name | family | scales | parameters | what it is | presets |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
