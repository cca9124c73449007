import { SrcacoError } from '../errors.js';

/** A step learning-rate schedule: `baseLr · gamma^(⌊t / stepSize⌋)`, never below `minLr`. */
export interface StepSchedule {
  baseLr: number;
  /** Multiplier applied every `stepSize` epochs (the protocol: 0.5). */
  gamma: number;
  /** Epochs between two decays (the protocol: 30). */
  stepSize: number;
  /** Floor (the protocol: 1e-4). */
  minLr: number;
  /**
   * The original's behaviour: its scheduler steps after every *update*, so `t` counts updates already
   * done and the rate halves every `stepSize` iterations (it reaches the floor within a few hundred updates).
   */
  seedCompat: boolean;
}

/** The protocol's schedule for a base learning rate: halve every 30 epochs, floor 1e-4. */
export function protocolSchedule(baseLr: number, seedCompat = false): StepSchedule {
  return { baseLr, gamma: 0.5, stepSize: 30, minLr: 1e-4, seedCompat };
}

/**
 * The learning rate of the update about to be taken in `epoch` (0-based), after `updatesDone` updates in
 * all (0-based too: the very first update has updatesDone 0).
 */
export function learningRateAt(schedule: StepSchedule, epoch: number, updatesDone: number): number {
  const { baseLr, gamma, stepSize, minLr, seedCompat } = schedule;
  if (!(baseLr > 0) || !(gamma > 0) || !Number.isInteger(stepSize) || stepSize < 1 || !(minLr >= 0)) {
    throw new SrcacoError(
      'usage',
      `a step schedule needs baseLr > 0, gamma > 0, an integer stepSize >= 1 and minLr >= 0; received ` +
        `baseLr ${baseLr}, gamma ${gamma}, stepSize ${stepSize}, minLr ${minLr}`,
    );
  }
  // PyTorch's MyStepLR computes max(base·γ^(last_epoch // step), min) where last_epoch counts scheduler.step()
  // calls; the original calls it once per update.
  const t = seedCompat ? updatesDone : epoch;
  if (!Number.isInteger(t) || t < 0) throw new SrcacoError('internal', `schedule position must be >= 0, got ${t}`);
  return Math.max(baseLr * gamma ** Math.floor(t / stepSize), minLr);
}
