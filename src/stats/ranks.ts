/** Mid-ranks (ties share the mean of the ranks they span, from 1) and the sizes of the tie groups. */
export function midRanks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && values[order[j]!] === values[order[i]!]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]!] = rank;
    if (j - i > 1) ties.push(j - i);
    i = j;
  }
  return { ranks, ties };
}

/** Σ(t³ − t) over tie groups of sizes t: the tie term of rank-test variances. */
export const tieSum = (ties: readonly number[]): number => ties.reduce((s, t) => s + t * t * t - t, 0);
