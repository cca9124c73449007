/** Loading a model and its weights: from a safetensors file, or from a training run folder. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import { stateFromSafetensors } from '../engine/nn/state.js';
import { readSafetensors } from '../io/safetensors.js';
import type { Model } from '../models/model.js';
import { buildModel } from '../models/registry.js';

/** Reads weights by state_dict name; another architecture's file fails listing the first mismatches. */
export async function loadModelWeights(model: Model, path: string): Promise<StateDict> {
  const content = await readSafetensors(path);
  const preset = Object.entries(model.config).map(([k, v]) => `${k}=${v}`).join(', ');
  return stateFromSafetensors(model.specs, content, { model: `${model.name} x${model.scale}${preset ? ` (${preset})` : ''}`, path });
}

/** What a training run folder records about its model (DIR/config.json). */
export interface RunModelConfig {
  method: string;
  scale: number;
  preset?: string;
  /** Hyper-parameters overriding the defaults and preset. */
  config?: Record<string, number>;
}

/**
 * The model of a training run folder: `DIR/config.json` ({method, scale, preset?, config?}) and the selected
 * checkpoint `DIR/best.safetensors`. Kept in one place so the run-folder layout can change here only.
 */
export async function loadRunModel(dir: string): Promise<{ model: Model; state: StateDict; run: RunModelConfig }> {
  const configPath = join(dir, 'config.json');
  let run: RunModelConfig;
  try {
    run = JSON.parse(await readFile(configPath, 'utf8')) as RunModelConfig;
  } catch (e) {
    throw new SrcacoError('input', `cannot read the run configuration (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is this a training run folder?`, { path: configPath, cause: e });
  }
  if (typeof run.method !== 'string' || typeof run.scale !== 'number') {
    throw new SrcacoError('input', 'the run configuration needs "method" (string) and "scale" (number)', { path: configPath });
  }
  const model = buildModel(run.method, { scale: run.scale, preset: run.preset, config: run.config });
  const state = await loadModelWeights(model, join(dir, 'best.safetensors'));
  return { model, state, run };
}
