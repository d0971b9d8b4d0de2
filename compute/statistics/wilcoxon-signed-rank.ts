/**
 * Wilcoxon signed-rank test for paired samples (e.g. per-fold UARs of a method and of the
 * no-augmentation baseline on the same folds), with the matched-pairs rank-biserial correlation
 * as its effect size.
 *
 * Conventions (what scipy.stats.wilcoxon does by default, checked against scipy 1.17 in the tests):
 * - Differences d = x - y. Zero differences are dropped before ranking (Wilcoxon's own
 *   "wilcox" zero method); `zeros` says how many, and n counts the pairs that remain.
 * - |d| are ranked with mid-ranks for ties. Two values are the same (a zero, or a tie) when they
 *   differ by at most 1e-12 relative: per-fold UARs are means of fractions, and float rounding
 *   must not break a tie between two folds that scored the same.
 * - The p-value is exact for n <= `exactMaxN` (default 200): the null distribution of W+ given the
 *   observed (mid-)ranks, every sign pattern equally likely, by dynamic programming over doubled
 *   ranks (integers even with mid-ranks). Without ties this is the classic exact distribution
 *   (scipy method="exact"); with ties it is the exact permutation distribution (what scipy's
 *   default does then, through permutation_test). Above exactMaxN: normal approximation with the
 *   tie correction of the variance and no continuity correction (scipy method="approx").
 * - Two-sided p = min(1, 2 min(P(W+ <= w), P(W+ >= w))). 'greater' tests x > y.
 * - Rank-biserial r = (W+ - W-) / (W+ + W-) (Kerby 2014), in [-1, 1]; positive when x tends to
 *   exceed y. null when no pair differs.
 */
import { InputError } from '../../foundation/errors';
import { normalSurvival } from './normal-distribution';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface SignedRankOptions {
  /** Default 'two-sided'. */
  alternative?: Alternative;
  /** Largest n for the exact distribution; the normal approximation above it. Default 200. */
  exactMaxN?: number;
}

export interface SignedRankResult {
  /** Pairs with a non-zero difference (the ones ranked). */
  n: number;
  /** Pairs with a zero difference, dropped. */
  zeros: number;
  /** Whether some |differences| tied (mid-ranks used). */
  ties: boolean;
  /** Sum of the ranks of positive differences (x > y). */
  wPlus: number;
  wMinus: number;
  /** min(W+, W-): the statistic scipy reports for a two-sided test. */
  statistic: number;
  pValue: number;
  method: 'exact' | 'normal';
  /** Matched-pairs rank-biserial correlation; null when n = 0. */
  rankBiserial: number | null;
}

const RELATIVE_TOLERANCE = 1e-12;

function same(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * scale;
}

export function wilcoxonSignedRank(x: readonly number[], y: readonly number[], options: SignedRankOptions = {}): SignedRankResult {
  if (x.length !== y.length) throw new InputError({ field: 'y', reason: 'paired samples must have the same length', expected: x.length, actual: y.length });
  const differences: number[] = [];
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new InputError({ field: `pair ${i}`, reason: 'values must be finite', actual: [a, b] });
    if (same(a, b, Math.max(Math.abs(a), Math.abs(b)))) zeros++;
    else differences.push(a - b);
  }
  return signedRankOfDifferences(differences, zeros, options);
}

function signedRankOfDifferences(d: readonly number[], zeros: number, options: SignedRankOptions): SignedRankResult {
  const alternative = options.alternative ?? 'two-sided';
  const exactMaxN = options.exactMaxN ?? 200;
  const n = d.length;
  if (n === 0) return { n, zeros, ties: false, wPlus: 0, wMinus: 0, statistic: 0, pValue: 1, method: 'exact', rankBiserial: null };

  const order = d.map((v, i) => ({ abs: Math.abs(v), positive: v > 0, i })).sort((a, b) => a.abs - b.abs);
  // Doubled mid-ranks: integers, so that the exact distribution can be indexed by them.
  const doubledRank = new Array<number>(n).fill(0);
  const tieSizes: number[] = [];
  for (let start = 0; start < n; ) {
    let end = start + 1;
    const first = (order[start] as { abs: number }).abs;
    while (end < n && same((order[end] as { abs: number }).abs, first, Math.max(first, (order[end] as { abs: number }).abs))) end++;
    // Ranks start+1 .. end; their mean doubled is start + end + 1.
    for (let k = start; k < end; k++) doubledRank[k] = start + end + 1;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  let doubledPlus = 0;
  let doubledTotal = 0;
  order.forEach((o, k) => {
    const r = doubledRank[k] as number;
    doubledTotal += r;
    if (o.positive) doubledPlus += r;
  });
  const wPlus = doubledPlus / 2;
  const wMinus = (doubledTotal - doubledPlus) / 2;

  let lower: number; // P(W+ <= observed)
  let upper: number; // P(W+ >= observed)
  let method: 'exact' | 'normal';
  if (n <= exactMaxN) {
    method = 'exact';
    const dist = doubledSumDistribution(doubledRank);
    lower = 0;
    upper = 0;
    dist.forEach((p, s) => {
      if (s <= doubledPlus) lower += p;
      if (s >= doubledPlus) upper += p;
    });
    lower = Math.min(lower, 1);
    upper = Math.min(upper, 1);
  } else {
    method = 'normal';
    const mean = (n * (n + 1)) / 4;
    const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieSizes.reduce((s, t) => s + t * t * t - t, 0) / 48;
    const z = variance > 0 ? (wPlus - mean) / Math.sqrt(variance) : 0;
    lower = normalSurvival(-z);
    upper = normalSurvival(z);
  }
  const pValue = alternative === 'greater' ? upper : alternative === 'less' ? lower : Math.min(1, 2 * Math.min(lower, upper));
  return {
    n, zeros, ties: tieSizes.length > 0, wPlus, wMinus, statistic: Math.min(wPlus, wMinus), pValue, method,
    rankBiserial: (wPlus - wMinus) / (wPlus + wMinus),
  };
}

/** Probability of each doubled rank sum when every rank's sign is + or - with probability 1/2. */
function doubledSumDistribution(doubledRanks: readonly number[]): Float64Array {
  const total = doubledRanks.reduce((a, b) => a + b, 0);
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  let reach = 0;
  for (const r of doubledRanks) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= reach; s++) {
      const p = (dist[s] as number) * 0.5;
      if (p === 0) continue;
      next[s] = (next[s] as number) + p;
      next[s + r] = (next[s + r] as number) + p;
    }
    reach += r;
    dist = next;
  }
  return dist;
}
