/** Loading a model's weights from a safetensors state_dict (a run folder's checkpoints: train/run-folder.ts). */
import type { StateDict } from '../engine/nn/state.js';
import { stateFromSafetensors } from '../engine/nn/state.js';
import { readSafetensors, type SafetensorsContent } from '../io/safetensors.js';
import type { Model } from '../models/model.js';

/** A model's state from a parsed safetensors file at `path`; another architecture's file fails listing the first mismatches. */
export function modelStateOf(model: Model, content: SafetensorsContent, path: string): StateDict {
  const preset = Object.entries(model.config).map(([k, v]) => `${k}=${v}`).join(', ');
  return stateFromSafetensors(model.specs, content, { model: `${model.name} x${model.scale}${preset ? ` (${preset})` : ''}`, path });
}

/** Reads weights by state_dict name (see modelStateOf). */
export async function loadModelWeights(model: Model, path: string): Promise<StateDict> {
  return modelStateOf(model, await readSafetensors(path), path);
}
