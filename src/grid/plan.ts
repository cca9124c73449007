/**
 * A grid's runs: one per trainable method, cell, scale and learning rate, each with its run folder and the
 * `srcaco train` arguments that make it; the evaluation-only methods (bicubic) have no run.
 */
import { join } from 'node:path';
import type { Cell, SrScale } from '../io/layout.js';
import { runFolderPath } from '../train/run-folder.js';
import { pairKey, type GridSpec, type TrainOptionValue } from './grid-file.js';
import type { SlurmResources } from './slurm.js';

export interface GridRun {
  /** Unique within the grid, usable in file names: `vdsr-CELL2-x2-lr0.0001`. */
  readonly id: string;
  readonly method: string;
  readonly cell: Cell;
  readonly scale: SrScale;
  readonly lr: number;
  readonly runDir: string;
  /** `srcaco train …` arguments of a fresh start (without the leading 'train'). */
  readonly trainArgs: string[];
  /** The run's time cap (`--minutes`), when it has one: what a scheduler must allow, plus evaluation. */
  readonly minutes?: number;
  /** sbatch resources of its method. */
  readonly slurm: Readonly<SlurmResources>;
}

/** Where a grid keeps its run folders, evaluation rows, logs and report. */
export function gridFolders(spec: GridSpec): { runs: string; results: string; logs: string; report: string; pred: string } {
  return { runs: join(spec.out, 'runs'), results: join(spec.out, 'results'), logs: join(spec.out, 'logs'), report: join(spec.out, 'report'), pred: join(spec.out, 'pred') };
}

function optionArgs(options: Readonly<Record<string, TrainOptionValue>>): string[] {
  return Object.entries(options).flatMap(([k, v]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)]));
}

/** Every run of the grid, methods in file order, then cells, scales and learning rates. */
export function planGrid(spec: GridSpec): GridRun[] {
  const { runs } = gridFolders(spec);
  const out: GridRun[] = [];
  for (const m of spec.methods.filter((x) => x.trainable)) {
    for (const cell of spec.cells) {
      for (const scale of spec.scales) {
        for (const lr of m.lrs[pairKey(cell, scale)]!) {
          const name = `lr${lr}`;
          const runDir = runFolderPath(runs, { method: m.method, cell, scale, seed: spec.seed }, name);
          const minutes = m.train.minutes === undefined ? undefined : Number(m.train.minutes);
          out.push({
            id: `${m.method}-${cell}-x${scale}-${name}`,
            method: m.method,
            cell,
            scale,
            lr,
            runDir,
            minutes,
            slurm: m.slurm,
            trainArgs: [
              '--method', m.method, '--cell', cell, '--scale', String(scale), '--data', spec.dataRoot, '--lr', String(lr),
              '--seed', String(spec.seed), '--device', spec.device, ...optionArgs(m.train), '--out', runs, '--name', name,
            ],
          });
        }
      }
    }
  }
  return out;
}
