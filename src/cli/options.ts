/**
 * The CLI's one vocabulary: every flag that more than one command takes is declared here, once, with its
 * parser, so `--split` or `--workers` means the same thing and fails with the same one-line message in every
 * command. Parsers run while commander reads argv; they return typed values or throw a `usage` SrcacoError
 * of the form "--workers must be an integer ≥ 1, received 'x'".
 */
import { Option, type Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { defaultWorkers } from '../util/worker-pool.js';
import { EXECUTION_PROVIDERS, type Device } from '../engine/runtime.js';
import { CELLS, SPLITS, SR_SCALES, type SplitName, type SrScale } from '../io/layout.js';
import { DEFAULT_ROI_THRESHOLDS } from '../metrics/types.js';
import { methodHelp, modelDef } from '../models/registry.js';

function mustBe(option: string, expected: string, value: string): SrcacoError {
  return new SrcacoError('usage', `${option} must be ${expected}, received '${value}'`, { option });
}

export interface IntegerRange {
  min?: number;
  max?: number;
  /** What the number is, said before the range (e.g. 'the number of tiles'). */
  what?: string;
}

/** A whole number written in decimal digits ('1e3', '0x10' and '' are refused), within the range. */
export function parseInteger(value: string, option: string, { min, max, what }: IntegerRange = {}): number {
  const n = Number(value);
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    const range = max !== undefined ? ` from ${min ?? -Number.MAX_SAFE_INTEGER} to ${max}` : min !== undefined ? ` ≥ ${min}` : '';
    throw mustBe(option, `${what ? `${what}, ` : ''}an integer${range}`, value);
  }
  return n;
}

/** A finite number, at least `min` or strictly above `above`. */
export function parseNumber(value: string, option: string, { min, above }: { min?: number; above?: number } = {}): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (min !== undefined && n < min) || (above !== undefined && !(n > above))) {
    throw mustBe(option, `a number${above !== undefined ? ` > ${above}` : min !== undefined ? ` ≥ ${min}` : ''}`, value);
  }
  return n;
}

/** One of a fixed list of values, compared as written. */
export function parseChoice<T extends string | number>(value: string, allowed: readonly T[], option: string): T {
  const v = allowed.find((a) => String(a) === value);
  if (v === undefined) throw mustBe(option, `one of ${allowed.join(', ')}`, value);
  return v;
}

/** `--roi-thresholds 4,5,6` or `4-10`: ROI thresholds on the 0..255 HR. */
export function parseThresholds(value: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(value);
  const list = range
    ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i)
    : value.split(',').map(Number);
  if (list.length === 0 || list.some((t) => !Number.isFinite(t) || t < 0 || t > 255)) {
    throw mustBe('--roi-thresholds', "numbers in 0..255 like '4,5,6' or '4-10'", value);
  }
  return list;
}

/** A command-specific integer flag, parsed like every other one. */
export function integerOption(flags: string, description: string, range: IntegerRange = {}): Option {
  const option = new Option(flags, description);
  return option.argParser((v: string) => parseInteger(v, option.long!, range));
}

/** A command-specific number flag. */
export function numberOption(flags: string, description: string, bounds: { min?: number; above?: number } = {}): Option {
  const option = new Option(flags, description);
  return option.argParser((v: string) => parseNumber(v, option.long!, bounds));
}

/** A command-specific flag taking one of a fixed list of values. */
export function choiceOption<T extends string>(flags: string, description: string, allowed: readonly T[]): Option {
  const option = new Option(flags, description);
  return option.argParser((v: string) => parseChoice(v, allowed, option.long!));
}

export const cellOption = (): Option => choiceOption('--cell <cell>', CELLS.join(', '), CELLS);

export const scaleOption = (description = `super-resolution factor: ${SR_SCALES.join(', ')}`): Option =>
  new Option('--scale <s>', description).argParser((v: string): SrScale => parseChoice(v, SR_SCALES, '--scale'));

/** `--split`: always a split name; a split *file* is `--split-file`. */
export const splitOption = (description = SPLITS.join(', ')): Option =>
  new Option('--split <name>', description).argParser((v: string): SplitName => parseChoice(v, SPLITS, '--split'));

export const splitFileOption = (description: string): Option => new Option('--split-file <file>', `split JSON {"train": [ids], "val": [ids], "test": [ids]}; ${description}`);

/** `--out`: always a folder. */
export const outOption = (description: string): Option => new Option('--out <dir>', description);

/** Creates the `--out` folder (and its parents) or fails with one line. */
export async function makeOutDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw new SrcacoError('output', `cannot create the output folder (${e.message})`, { path: dir, option: '--out', cause: e });
  });
}

export const dataOption = (description = 'data root holding the caco2_* split folders (srcaco prep --out)'): Option => new Option('--data <root>', description);

/** `--workers`: worker threads, one per core unless given. */
export const workersOption = (description = 'worker threads'): Option =>
  integerOption('--workers <n>', description, { min: 1 }).default(defaultWorkers(), 'one per core');

/** `--device`: where a model runs; only on commands (and modes) that run one. */
export const deviceOption = (note?: string): Option =>
  new Option('--device <d>', `where the model runs: ${Object.keys(EXECUTION_PROVIDERS).join(', ')}${note ? ` (${note})` : ''}`).argParser((v: string): Device =>
    parseChoice(v, Object.keys(EXECUTION_PROVIDERS) as Device[], '--device'),
  );

export const threadsOption = (note = 'default: one per core'): Option => integerOption('--threads <n>', `ONNX Runtime intra-op threads (${note})`, { min: 1 });

export const seedOption = (description: string): Option => integerOption('--seed <n>', description, { min: 0, max: 2 ** 32 - 1, what: 'the random seed' });

/** `--method`: a registered model (bicubic included); an unknown name fails listing the known ones. */
export const methodOption = (description = methodHelp()): Option =>
  new Option('--method <name>', description).argParser((v: string) => {
    modelDef(v);
    return v.toLowerCase();
  });

/** `--preset`: a model's named hyper-parameter set, checked against the model when it is built. */
export const presetOption = (description = "model preset: 'default' or one of the model's (e.g. 'demo')"): Option => new Option('--preset <name>', description);

export const limitOption = (): Option => integerOption('--limit <n>', 'evaluate only the first n pairs', { min: 1 });

export const borderOption = (): Option => integerOption('--border <px>', 'pixels removed from every side (default: the scale)', { min: 0 });

export const roiThresholdsOption = (): Option =>
  new Option('--roi-thresholds <list>', `ROI thresholds on the 0..255 HR (default ${DEFAULT_ROI_THRESHOLDS[0]}-${DEFAULT_ROI_THRESHOLDS.at(-1)})`).argParser(parseThresholds);

/** Whether the user wrote the option (attribute name, e.g. 'splitFile') on the command line. */
export function given(command: Command, key: string): boolean {
  return command.getOptionValueSource(key) === 'cli';
}

/**
 * Refuses the options of `keys` that the user gave although the chosen mode ignores them, with one line:
 * `--method does not go with --run (the run folder says what to evaluate)`.
 */
export function refuseOptions(command: Command, keys: readonly string[], reason: string): void {
  const key = keys.find((k) => given(command, k));
  if (key === undefined) return;
  const flag = command.options.find((o) => o.attributeName() === key)?.long ?? key;
  throw new SrcacoError('usage', `${flag} ${reason}`, { option: flag });
}
