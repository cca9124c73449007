/**
 * Shapes whose dimensions are numbers or symbols. Symbols ("H", "W") let one inference graph serve every
 * image size; affine forms of a symbol ("2*H", "H/4", "H+2") stay comparable so shape rules can check them.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

interface Affine {
  mul: number; // numerator multiplying the symbol
  div: number; // denominator
  name: string;
  add: number;
}

const AFFINE = /^(?:(\d+)\*)?([A-Za-z_][A-Za-z0-9_]*)(?:\/(\d+))?(?:([+-]\d+))?$/;

/** The affine form `mul*name/div + add` of a symbolic dim, or null for an opaque expression. */
export function parseAffine(d: string): Affine | null {
  const m = AFFINE.exec(d);
  if (!m) return null;
  return { mul: m[1] ? Number(m[1]) : 1, name: m[2]!, div: m[3] ? Number(m[3]) : 1, add: m[4] ? Number(m[4]) : 0 };
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

function formatAffine(a: Affine): Dim {
  const g = gcd(a.mul, a.div);
  const mul = a.mul / g;
  const div = a.div / g;
  let s = (mul === 1 ? '' : `${mul}*`) + a.name + (div === 1 ? '' : `/${div}`);
  if (a.add !== 0) s += a.add > 0 ? `+${a.add}` : `${a.add}`;
  return s;
}

/** `d * mul / div + add`; exact on numbers (div must divide), affine-preserving on symbols when possible. */
export function dimAffine(d: Dim, mul: number, div: number, add: number): Dim {
  if (typeof d === 'number') return (d * mul) / div + add;
  const a = parseAffine(d);
  if (a && (a.add * mul) % div === 0) {
    return formatAffine({ name: a.name, mul: a.mul * mul, div: a.div * div, add: (a.add * mul) / div + add });
  }
  const inner = mul === 1 && div === 1 ? d : `(${d})*${mul}/${div}`;
  return add === 0 ? inner : `${inner}+${add}`;
}

/**
 * `floor((d + add) / div)`, the form strided windows take. Affine when `div` divides the symbol's integer
 * multiplier (floor((k·div·H + a) / div) = k·H + floor(a / div)), so a strided conv that undoes a transposed
 * conv of the same stride (SRFBN's and DBPN's projections) gives back the same dim.
 */
export function dimFloorDiv(d: Dim, add: number, div: number): Dim {
  if (typeof d === 'number') return Math.floor((d + add) / div);
  if (div === 1) return dimAffine(d, 1, 1, add);
  // floor((m·H + c) / k) = (m/k)·H + floor(c / k) for a whole H when k divides m: a strided conv that undoes an
  // upsampling by its stride (DBPN's down-projections) gives back the symbol itself, comparable with its input's.
  const a = parseAffine(d);
  if (a && a.div === 1 && a.mul % div === 0) return formatAffine({ name: a.name, mul: a.mul / div, div: 1, add: Math.floor((a.add + add) / div) });
  return `floor((${d}${add >= 0 ? '+' : ''}${add})/${div})`;
}

/** Product of dims (symbols become an opaque product). */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (syms.length === 1 && n === 1) return syms[0]!;
  if (syms.length === 1) return dimAffine(syms[0]!, n, 1, 0);
  return [n === 1 ? null : String(n), ...syms.map((s) => `(${s})`)].filter(Boolean).join('*');
}

/** Element count, or null when a dim is symbolic. */
export function numel(shape: Shape): number | null {
  const p = dimProduct(shape);
  return typeof p === 'number' ? p : null;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** Numpy broadcasting of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | null {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return null;
  }
  return out;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
