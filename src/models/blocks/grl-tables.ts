/**
 * The fixed tensors of GRL's attention (ofsoundof/GRL-Image-Restoration, the original's network_grl.py): the
 * log-spaced relative coordinates its continuous position-bias MLP reads, the index that picks one bias per
 * (query, key) pair of a window and of a window against its anchor window, and the masks of shifted windows.
 * Values are computed as the original computes them (float32 steps), so the state_dict buffers equal its own.
 * The forward's shift mask is the one of the actual padded input (engine/ops/window.ts shiftedWindowMask).
 */
export type Pair = readonly [number, number];

/** The value the original adds to the logits of pairs in different regions of a shifted window. */
const MASKED = -100;

/**
 * get_relative_coords_table_all (no pretrained size): [1, T0, T1, 2] relative (dy, dx) between a window of `ws`
 * and its anchor window of ws / df, scaled to ±8 and mapped by sign·log2(|t| + 1) / log2(8).
 */
export function relativeCoordsTable(ws: Pair, df = 1): { shape: number[]; data: Float32Array } {
  const f = Math.fround;
  const aws = ws.map((w) => Math.floor(w / df));
  const half = ws.map((w, i) => Math.floor((w - aws[i]!) / 2));
  const tsP = ws.map((w, i) => w - 1 - half[i]!);
  const tsN = aws.map((a, i) => -(a - 1) - half[i]!);
  const n = tsP.map((p, i) => p - tsN[i]! + 1);
  const data = new Float32Array(n[0]! * n[1]! * 2);
  const map = (c: number, p: number) => {
    const t = f(f(c / p) * 8);
    return Math.sign(t) * f(f(Math.log2(f(Math.abs(t) + 1))) / 3);
  };
  for (let a = 0; a < n[0]!; a++) {
    for (let b = 0; b < n[1]!; b++) {
      data[(a * n[1]! + b) * 2] = map(tsN[0]! + a, tsP[0]!);
      data[(a * n[1]! + b) * 2 + 1] = map(tsN[1]! + b, tsP[1]!);
    }
  }
  return { shape: [1, n[0]!, n[1]!, 2], data };
}

/**
 * get_relative_position_index_simple: for each (window token, anchor token) pair (windowToAnchor) or (anchor,
 * window) pair, the row of the flattened coordinates table holding its offset. With df = 1 this is the window's
 * own [N, N] index.
 */
export function relativePositionIndex(ws: Pair, df = 1, windowToAnchor = true): { shape: number[]; data: BigInt64Array } {
  const aws = ws.map((w) => Math.floor(w / df)) as unknown as Pair;
  const coords = (s: Pair) => Array.from({ length: s[0] * s[1] }, (_, i) => [Math.floor(i / s[1]), i % s[1]] as const);
  const win = coords(ws);
  const anc = coords(aws);
  const maxDiff = aws[1] + ws[1] - 1;
  const [first, second, offset] = windowToAnchor ? [win, anc, aws.map((w) => w - 1)] : [anc, win, ws.map((w) => w - 1)];
  const data = new BigInt64Array(first.length * second.length);
  first.forEach(([y1, x1], i) =>
    second.forEach(([y2, x2], j) => {
      data[i * second.length + j] = BigInt((y1 - y2 + offset[0]!) * maxDiff + (x1 - x2 + offset[1]!));
    }),
  );
  return { shape: [first.length, second.length], data };
}

/** Python's range of slice(start, stop) over n items (negative bounds from the end, clamped). */
function sliceRange(n: number, start: number | null, stop: number | null): [number, number] {
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  return [start === null ? 0 : norm(start), stop === null ? n : norm(stop)];
}

/** _fill_window: each window's region labels (0..8), [nW, wh·ww] in window order, for a res[0]×res[1] map. */
function regionLabels(res: Pair, ws: Pair, shift: Pair): Int32Array[] {
  const label = new Int32Array(res[0] * res[1]);
  const slices = (k: 0 | 1): Array<[number, number]> => [
    sliceRange(res[k], 0, -ws[k]),
    sliceRange(res[k], -ws[k], -shift[k]),
    sliceRange(res[k], -shift[k], null),
  ];
  let cnt = 0;
  for (const [h0, h1] of slices(0)) {
    for (const [w0, w1] of slices(1)) {
      for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) label[y * res[1] + x] = cnt;
      cnt++;
    }
  }
  const nh = Math.floor(res[0] / ws[0]);
  const nw = Math.floor(res[1] / ws[1]);
  const out: Int32Array[] = [];
  for (let a = 0; a < nh; a++) {
    for (let b = 0; b < nw; b++) {
      const w = new Int32Array(ws[0] * ws[1]);
      for (let i = 0; i < ws[0]; i++) for (let j = 0; j < ws[1]; j++) w[i * ws[1] + j] = label[(a * ws[0] + i) * res[1] + b * ws[1] + j]!;
      out.push(w);
    }
  }
  return out;
}

function pairMask(rows: Int32Array[], cols: Int32Array[]): { shape: number[]; data: Float32Array } {
  const n1 = rows[0]?.length ?? 0;
  const n2 = cols[0]?.length ?? 0;
  const data = new Float32Array(rows.length * n1 * n2);
  rows.forEach((r, w) => {
    const c = cols[w]!;
    for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) data[(w * n1 + i) * n2 + j] = r[i] === c[j] ? 0 : MASKED;
  });
  return { shape: [rows.length, n1, n2], data };
}

/** calculate_mask_all: the same between a shifted stripe's tokens and its anchor stripe's ([nW, N, Na] or [nW, Na, N]). */
export function shiftMaskWithAnchor(res: Pair, ws: Pair, shift: Pair, df: number, windowToAnchor: boolean): { shape: number[]; data: Float32Array } {
  const d = (p: Pair) => [Math.floor(p[0] / df), Math.floor(p[1] / df)] as const;
  const win = regionLabels(res, ws, shift);
  const anc = regionLabels(d(res), d(ws), d(shift));
  return windowToAnchor ? pairMask(win, anc) : pairMask(anc, win);
}
