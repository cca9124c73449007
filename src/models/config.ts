/**
 * A model's typed configuration: each hyper-parameter's type, default and bounds, so that values from a
 * preset, a run's config.json or the command line are checked in one place, with one error per bad value
 * naming it, what was expected and what was received.
 */
import { SrcacoError } from '../errors.js';

export type ConfigValue = number | string | boolean | readonly number[];
export type ConfigValues = Readonly<Record<string, ConfigValue>>;

interface FieldDoc {
  /** One line for `srcaco models` and the docs. */
  readonly help?: string;
}

export type ConfigField = FieldDoc &
  (
    | { readonly type: 'number'; readonly default: number; readonly min?: number; readonly max?: number }
    // `labels`, when given, lists the only values allowed and what each means (e.g. MemNet's recompute levels).
    | { readonly type: 'integer'; readonly default: number; readonly min?: number; readonly max?: number; readonly labels?: ReadonlyArray<readonly [number, string]> }
    | { readonly type: 'integers'; readonly default: readonly number[]; readonly min?: number; readonly length?: number }
    | { readonly type: 'enum'; readonly values: readonly string[]; readonly default: string }
    | { readonly type: 'boolean'; readonly default: boolean }
  );

export type ConfigSchema = Readonly<Record<string, ConfigField>>;

/** The value type of each field of a schema (enum fields: the union of their values). */
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends { type: 'number' | 'integer' }
    ? number
    : S[K] extends { type: 'integers' }
      ? readonly number[]
      : S[K] extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : boolean;
};

/** The schema's defaults, in schema order. */
export function configDefaults(schema: ConfigSchema): ConfigValues {
  return Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, f.default]));
}

const orList = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);

function bounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` ≥ ${min}`;
  return max !== undefined ? ` ≤ ${max}` : '';
}

/** What a field accepts, as the error message says it. */
export function describeField(f: ConfigField): string {
  switch (f.type) {
    case 'number':
      return `a number${bounds(f.min, f.max)}`;
    case 'integer':
      if (f.labels) return orList(f.labels.map(([v, label]) => `${v} (${label})`));
      return `an integer${bounds(f.min, f.max)}`;
    case 'integers':
      return `a list of${f.length === undefined ? '' : ` ${f.length}`} integers${bounds(f.min, undefined)}`;
    case 'enum':
      return orList(f.values.map((v) => `'${v}'`));
    case 'boolean':
      return 'true or false';
  }
}

const isInteger = (v: unknown, min?: number, max?: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && (min === undefined || v >= min) && (max === undefined || v <= max);

function valid(f: ConfigField, v: unknown): boolean {
  switch (f.type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (f.min === undefined || v >= f.min) && (f.max === undefined || v <= f.max);
    case 'integer':
      return isInteger(v, f.min, f.max) && (!f.labels || f.labels.some(([allowed]) => allowed === v));
    case 'integers':
      return Array.isArray(v) && v.length > 0 && (f.length === undefined || v.length === f.length) && v.every((x) => isInteger(x, f.min));
    case 'enum':
      return typeof v === 'string' && f.values.includes(v);
    case 'boolean':
      return typeof v === 'boolean';
  }
}

/**
 * `values` over the schema's defaults, every value checked: an unknown name or a bad value is a usage error
 * (`what` names the model or preset). The result holds every field, in schema order.
 */
export function resolveConfig(schema: ConfigSchema, values: ConfigValues, what: string): ConfigValues {
  for (const key of Object.keys(values)) {
    if (!(key in schema)) {
      const known = Object.keys(schema);
      throw new SrcacoError('usage', `${what} has no hyper-parameter '${key}'${known.length ? `; known: ${known.join(', ')}` : ' (it has none)'}`, { option: '--config' });
    }
  }
  const out: Record<string, ConfigValue> = {};
  for (const [key, field] of Object.entries(schema)) {
    const v = values[key] ?? field.default;
    if (!valid(field, v)) throw new SrcacoError('usage', `${what}: ${key} must be ${describeField(field)}, received ${JSON.stringify(v)}`, { option: '--config' });
    out[key] = Array.isArray(v) ? Object.freeze([...v]) : v;
  }
  return Object.freeze(out);
}
