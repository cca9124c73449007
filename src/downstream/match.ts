/**
 * Matching of predicted instances to reference instances (simulator truth, or HR detections when there is none)
 * by intersection over union. Matches need IoU ≥ threshold; pairs are taken greedily by decreasing IoU. For a
 * threshold ≥ 0.5 this is the optimal (Hungarian) assignment: an object can overlap at most one other object by
 * IoU > 0.5, so the candidate pairs already form a matching and there is nothing to choose.
 */
export interface MatchOptions {
  /** Default 0.5. */
  readonly iouThreshold?: number;
  /**
   * Reference labels that count neither way (e.g. nuclei barely grazed by the focal plane): unmatched they are
   * no false negative, and a prediction matching one is no false positive.
   */
  readonly ignore?: ReadonlySet<number>;
}

export interface MatchResult {
  reference: number;
  predicted: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Reference objects split: ≥ 2 predictions each lying at least half inside it. */
  overSegmented: number;
  /** Predictions merging: ≥ 2 reference objects each lying at least half inside it. */
  underSegmented: number;
  /** Mean IoU of the matched pairs (NaN when none). */
  meanMatchedIou: number;
}

/** Matches two label images of the same size (0 = background). */
export function matchInstances(reference: ArrayLike<number>, predicted: ArrayLike<number>, options: MatchOptions = {}): MatchResult {
  if (reference.length !== predicted.length) throw new RangeError(`label images differ in size (${reference.length} vs ${predicted.length} pixels)`);
  const threshold = options.iouThreshold ?? 0.5;
  const ignore = options.ignore ?? new Set<number>();
  const areaR = new Map<number, number>(), areaP = new Map<number, number>();
  const overlap = new Map<string, number>();
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!, p = predicted[i]!;
    if (r > 0) areaR.set(r, (areaR.get(r) ?? 0) + 1);
    if (p > 0) areaP.set(p, (areaP.get(p) ?? 0) + 1);
    if (r > 0 && p > 0) overlap.set(`${r},${p}`, (overlap.get(`${r},${p}`) ?? 0) + 1);
  }
  const pairs = [...overlap].map(([key, ov]) => {
    const [r, p] = key.split(',').map(Number) as [number, number];
    return { r, p, ov, iou: ov / (areaR.get(r)! + areaP.get(p)! - ov) };
  });
  const candidates = pairs.filter((q) => q.iou >= threshold).sort((a, b) => b.iou - a.iou || a.r - b.r || a.p - b.p);
  const usedR = new Set<number>(), usedP = new Set<number>();
  let tp = 0, iouSum = 0, ignoredPredictions = 0;
  for (const q of candidates) {
    if (usedR.has(q.r) || usedP.has(q.p)) continue;
    usedR.add(q.r);
    usedP.add(q.p);
    if (ignore.has(q.r)) ignoredPredictions++;
    else (tp++), (iouSum += q.iou);
  }
  const counted = [...areaR.keys()].filter((r) => !ignore.has(r)).length;
  const predictedCount = areaP.size - ignoredPredictions;
  const inside = new Map<number, number>(), covering = new Map<number, number>();
  for (const q of pairs) {
    if (q.ov >= 0.5 * areaP.get(q.p)!) inside.set(q.r, (inside.get(q.r) ?? 0) + 1);
    if (q.ov >= 0.5 * areaR.get(q.r)! && !ignore.has(q.r)) covering.set(q.p, (covering.get(q.p) ?? 0) + 1);
  }
  const fp = predictedCount - tp, fn = counted - tp;
  return {
    reference: counted,
    predicted: predictedCount,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    ...matchRates({ truePositives: tp, reference: counted, predicted: predictedCount }),
    overSegmented: [...inside].filter(([r, n]) => n >= 2 && !ignore.has(r)).length,
    underSegmented: [...covering.values()].filter((n) => n >= 2).length,
    meanMatchedIou: tp > 0 ? iouSum / tp : NaN,
  };
}

/** Matches pooled over several images: summed counts and the pool's rates. */
export type PooledMatch = Omit<MatchResult, 'meanMatchedIou'>;

/** Precision, recall and F1 of a set of counts (F1 is 1 when there is nothing to find and nothing found). */
export function matchRates({ truePositives: tp, reference, predicted }: Pick<MatchResult, 'truePositives' | 'reference' | 'predicted'>): Pick<MatchResult, 'precision' | 'recall' | 'f1'> {
  return {
    precision: predicted > 0 ? tp / predicted : 0,
    recall: reference > 0 ? tp / reference : 0,
    f1: reference + predicted > 0 ? (2 * tp) / (reference + predicted) : 1,
  };
}

/** A pool of no image yet (its rates 0 until the first image is added). */
export function emptyPool(): PooledMatch {
  return { reference: 0, predicted: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0, overSegmented: 0, underSegmented: 0, precision: 0, recall: 0, f1: 0 };
}

/** Adds one image's match to `pool` and updates its rates. */
export function addToPool(pool: PooledMatch, m: MatchResult): void {
  pool.reference += m.reference;
  pool.predicted += m.predicted;
  pool.truePositives += m.truePositives;
  pool.falsePositives += m.falsePositives;
  pool.falseNegatives += m.falseNegatives;
  pool.overSegmented += m.overSegmented;
  pool.underSegmented += m.underSegmented;
  Object.assign(pool, matchRates(pool));
}
