import type { Command } from 'commander';
import { register as simulate } from './simulate.js';
import { register as prep } from './prep.js';
import { register as audit } from './audit.js';
import { register as stats } from './stats.js';
import { register as metrics } from './metrics.js';
import { register as evaluate } from './eval.js';
import { register as table } from './table.js';
import { register as registerShift } from './register.js';
import { register as report } from './report.js';
import { register as train } from './train.js';
import { register as upscale } from './upscale.js';
import { register as models } from './models.js';
import { register as view } from './view.js';
import { register as grid } from './grid.js';
import { register as weights } from './weights.js';
import { register as importRun } from './import-run.js';
import { register as exportModel } from './export.js';
import { register as downstream } from './downstream.js';
import { register as detector } from './detector.js';

/** Each command file exports one `register(program)`; the list below is the CLI. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [simulate, prep, audit, stats, metrics, evaluate, table, registerShift, report, upscale, train, grid, models, weights, importRun, exportModel, downstream, detector, view];
