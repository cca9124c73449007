/**
 * Checkpoints of a run folder: `<tag>.safetensors` (the model's state_dict, loadable on its own by
 * `loadRunModel`/`srcaco upscale`), `<tag>.optim.safetensors` (optimizer slots by step-graph name) and
 * `<tag>.json` (step, sampler position, best score). Each file is written atomically and all three carry the
 * step, so a crash between two writes is detected instead of resuming from a mix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import { loadState, stateToSafetensors } from '../engine/nn/state.js';
import type { HostTensor } from '../engine/runtime.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readSafetensors, tensorToFloat32, writeSafetensors, type SafeTensor } from '../io/safetensors.js';
import type { Model } from '../models/model.js';
import type { TrainSamplerState } from './sampler-epoch.js';

/** What a checkpoint's JSON sidecar records besides the tensors. */
export interface RunCheckpointMeta {
  /** Updates taken so far. */
  step: number;
  /** The sampler position of the next batch. */
  sampler: TrainSamplerState;
  /** Best validation ROI PSNR so far and the step it was measured at (null before the first validation). */
  bestRoiPsnr: number | null;
  bestStep: number | null;
  /** Training wall time so far, all invocations together. */
  elapsedS: number;
}

export interface RunCheckpoint {
  state: StateDict;
  optimizerState: Record<string, HostTensor>;
  meta: RunCheckpointMeta;
}

/** Writes `<dir>/<tag>.safetensors`, `.optim.safetensors` and `.json` (tensors first, the sidecar last). */
export async function saveRunCheckpoint(dir: string, tag: string, ck: RunCheckpoint): Promise<void> {
  const stepMeta = { step: String(ck.meta.step) };
  await writeSafetensors(join(dir, `${tag}.safetensors`), stateToSafetensors(ck.state), stepMeta);
  const optim = new Map<string, SafeTensor>();
  for (const [name, t] of Object.entries(ck.optimizerState)) optim.set(name, { dtype: 'F32', shape: t.shape, data: t.data as Float32Array });
  await writeSafetensors(join(dir, `${tag}.optim.safetensors`), optim, stepMeta);
  await writeFileAtomic(join(dir, `${tag}.json`), `${JSON.stringify(ck.meta, null, 2)}\n`);
}

/** Reads a checkpoint written by `saveRunCheckpoint`; weights from another architecture or a torn write fail clearly. */
export async function loadRunCheckpoint(dir: string, tag: string, model: Model): Promise<RunCheckpoint> {
  const metaPath = join(dir, `${tag}.json`);
  let meta: RunCheckpointMeta;
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8')) as RunCheckpointMeta;
  } catch (e) {
    throw new SrcacoError('input', `cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); was this run saved at least once?`, { path: metaPath, cause: e });
  }
  const weightsPath = join(dir, `${tag}.safetensors`);
  const weights = await readSafetensors(weightsPath);
  const state = loadState(model.specs, weights.tensors, { model: `${model.name} x${model.scale}`, path: weightsPath });
  const optimPath = join(dir, `${tag}.optim.safetensors`);
  const optim = await readSafetensors(optimPath);
  for (const [path, m] of [[weightsPath, weights.metadata], [optimPath, optim.metadata]] as const) {
    if (m?.step !== String(meta.step)) {
      throw new SrcacoError('input', `holds step ${m?.step ?? '?'} but ${tag}.json says step ${meta.step}: the checkpoint was torn by an interrupted write; resume from another copy`, { path });
    }
  }
  const optimizerState: Record<string, HostTensor> = {};
  for (const [name, t] of optim.tensors) optimizerState[name] = { shape: [...t.shape], data: tensorToFloat32(t) };
  return { state, optimizerState, meta };
}
