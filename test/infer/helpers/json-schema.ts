/**
 * A small JSON Schema validator for the keywords pydantic's schemas use (the bioimage.io spec's): type, const,
 * enum, properties, required, additionalProperties, items, prefixItems, min/maxItems, min/maxLength, pattern,
 * minimum, maximum, exclusiveMinimum/Maximum, anyOf, oneOf, allOf, $ref into #/$defs. Annotations (title,
 * description, default, examples, discriminator) and `format` are not checked, as validators do by default.
 * Returns the list of violations, each with its JSON path; empty when valid.
 */
type Schema = boolean | { [k: string]: unknown };

const KNOWN = new Set([
  'type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'anyOf', 'oneOf', 'allOf', '$ref',
  '$defs', 'title', 'description', 'default', 'examples', 'discriminator', 'format',
]);

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: throw new Error(`unknown JSON Schema type ${t}`);
  }
}

export function validateJsonSchema(root: Schema, value: unknown): string[] {
  const defs = (typeof root === 'object' ? root.$defs : undefined) as Record<string, Schema> | undefined;
  const check = (s: Schema, v: unknown, path: string): string[] => {
    if (s === true) return [];
    if (s === false) return [`${path}: not allowed`];
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`${path}: schema keyword ${k} is not supported by this validator`);
    const errs: string[] = [];
    if (typeof s.$ref === 'string') {
      const name = /^#\/\$defs\/(.+)$/.exec(s.$ref)?.[1];
      if (!name || !defs?.[name]) throw new Error(`unresolved $ref ${s.$ref}`);
      errs.push(...check(defs[name]!, v, path));
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeOk(t, v))) return [...errs, `${path}: expected ${types.join(' or ')}, found ${JSON.stringify(v)?.slice(0, 60)}`];
    }
    if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(v)) errs.push(`${path}: must be ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errs.push(`${path}: ${JSON.stringify(v)} is not one of the allowed values`);
    if (typeof v === 'string') {
      if (typeof s.minLength === 'number' && [...v].length < s.minLength) errs.push(`${path}: shorter than ${s.minLength}`);
      if (typeof s.maxLength === 'number' && [...v].length > s.maxLength) errs.push(`${path}: longer than ${s.maxLength}`);
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) errs.push(`${path}: does not match ${s.pattern}`);
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errs.push(`${path}: below ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errs.push(`${path}: above ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) errs.push(`${path}: not above ${s.exclusiveMinimum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) errs.push(`${path}: not below ${s.exclusiveMaximum}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) errs.push(`${path}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) errs.push(`${path}: more than ${s.maxItems} items`);
      const prefix = (s.prefixItems as Schema[] | undefined) ?? [];
      v.forEach((item, i) => {
        const sub = i < prefix.length ? prefix[i] : (s.items as Schema | undefined);
        if (sub !== undefined) errs.push(...check(sub, item, `${path}[${i}]`));
      });
    }
    if (typeOk('object', v)) {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in o)) errs.push(`${path}: missing required '${r}'`);
      for (const [k, item] of Object.entries(o)) {
        if (k in props) errs.push(...check(props[k]!, item, `${path}.${k}`));
        else if (s.additionalProperties !== undefined) errs.push(...check(s.additionalProperties as Schema, item, `${path}.${k}`));
      }
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) errs.push(...check(sub, v, path));
    if (Array.isArray(s.anyOf)) {
      const results = (s.anyOf as Schema[]).map((sub) => check(sub, v, path));
      if (!results.some((r) => r.length === 0)) errs.push(`${path}: matches none of anyOf (${results.map((r) => r[0]).join(' | ')})`);
    }
    if (Array.isArray(s.oneOf)) {
      const results = (s.oneOf as Schema[]).map((sub) => check(sub, v, path));
      const ok = results.filter((r) => r.length === 0).length;
      if (ok !== 1) errs.push(`${path}: matches ${ok} of oneOf, must match exactly one (${results.map((r) => r[0] ?? 'ok').join(' | ')})`);
    }
    return errs;
  };
  return check(root, value, '$');
}
