/**
 * Loading a model's weights by state_dict name: a safetensors file (a run folder's checkpoints:
 * train/run-folder.ts) or a PyTorch checkpoint such as the original's `G-model.pth` (io/pth.ts).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { StateDict } from '../engine/nn/state.js';
import { loadState, stateToSafetensors } from '../engine/nn/state.js';
import { SrcacoError } from '../errors.js';
import { isPth, parsePth } from '../io/pth.js';
import { parseSafetensors, writeSafetensors, type SafeTensor } from '../io/safetensors.js';
import type { Model } from '../models/model.js';

/**
 * A model's state from tensors read from `path`; another architecture's tensors fail listing the first mismatches.
 * The method and scale a file's metadata records (srcaco writes them) must be the model's: SRCNN, VDSR, DRRN and
 * MemNet weights have the same shapes at every scale, so only the record tells a x4 file given for x2.
 */
export function modelStateOf(model: Model, tensors: ReadonlyMap<string, SafeTensor>, path: string, metadata: Readonly<Record<string, string>> = {}): StateDict {
  const preset = Object.entries(model.config).map(([k, v]) => `${k}=${v}`).join(', ');
  // Tensors that do not fit are listed first (the most telling error); then the record, for files that fit.
  const state = loadState(model.specs, tensors, { model: `${model.name} x${model.scale}${preset ? ` (${preset})` : ''}`, path });
  const { method, scale } = metadata;
  if ((method !== undefined && method !== model.name) || (scale !== undefined && scale !== String(model.scale))) {
    throw new SrcacoError('input', `these weights are ${method ?? model.name} x${scale ?? model.scale}, not ${model.name} x${model.scale}: give the weights of this method and scale`, { path });
  }
  return state;
}

/** A weights file's tensors, whichever its format (told by its first bytes, not its name), and what was done to read them. */
export interface WeightsFile {
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  /** A safetensors file's `__metadata__` (empty for a checkpoint). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly format: 'safetensors' | 'pth' | 'pth-legacy';
  /** For a checkpoint: the key its state_dict was nested under, and whether a `module.` prefix was removed. */
  readonly nestedKey?: string;
  readonly strippedModulePrefix?: boolean;
}

/** Reads a safetensors file or a PyTorch checkpoint (never running anything a checkpoint names). */
export async function readWeightsFile(path: string): Promise<WeightsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SrcacoError('input', `cannot read the weights (${(e as NodeJS.ErrnoException).code ?? e})`, { path, cause: e });
  }
  if (!isPth(bytes)) return { ...parseSafetensors(bytes, path), format: 'safetensors' };
  const pth = parsePth(bytes, path);
  return { tensors: pth.tensors, metadata: {}, format: pth.format === 'zip' ? 'pth' : 'pth-legacy', nestedKey: pth.nestedKey, strippedModulePrefix: pth.strippedModulePrefix };
}

/** Reads weights by state_dict name (see modelStateOf, readWeightsFile). */
export async function loadModelWeights(model: Model, path: string): Promise<StateDict> {
  const { tensors, metadata } = await readWeightsFile(path);
  return modelStateOf(model, tensors, path, metadata);
}

/** What `convertWeights` wrote and how it read its input. */
export interface ConvertedWeights extends Omit<WeightsFile, 'tensors' | 'metadata'> {
  readonly path: string;
  readonly tensors: number;
}

/**
 * Checks a weights file (a .pth checkpoint, or safetensors) against `model`, every name and shape (one error
 * listing the missing, unexpected and misshapen), and writes it as `<outDir>/<input name>.safetensors`: float32,
 * counters int64, in state_dict order, the model recorded in its metadata.
 */
export async function convertWeights(model: Model, input: string, outDir: string): Promise<ConvertedWeights> {
  if (Object.keys(model.specs).length === 0) throw new SrcacoError('usage', `${model.name} has no weights to convert`, { option: '--method' });
  const { tensors, metadata: recorded, ...read } = await readWeightsFile(input);
  const state = modelStateOf(model, tensors, input, recorded);
  const path = join(outDir, `${basename(input, extname(input))}.safetensors`);
  const metadata: Record<string, string> = { format: 'pt', source: basename(input), method: model.name, scale: String(model.scale), config: JSON.stringify(model.config) };
  await writeSafetensors(path, stateToSafetensors(state), metadata);
  return { ...read, path, tensors: Object.keys(state).length };
}
