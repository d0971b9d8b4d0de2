/**
 * The smallest p-value an exact two-sided Wilcoxon signed-rank test can reach, alone and after
 * Holm's adjustment over a family of m tests: what a design can show at best, stated before
 * anyone reads a table of p-values.
 *
 * With n non-zero paired differences, the most extreme outcome (every difference of one sign)
 * has probability 1/2^n under the null, so the two-sided p is at least 2/2^n (ties in |d| do
 * not change this: all signs alike is still one pattern in 2^n). Holm multiplies the smallest
 * p of the family by m, so no adjusted p is below m * 2/2^n. E.g. 10 folds: 0.00195 alone;
 * over 40 cells 0.078, which can never be significant at 0.05 — the reason comparisons are
 * pre-declared (issue 14).
 */

/** min(1, 2 / 2^n): the smallest exact two-sided Wilcoxon signed-rank p with n non-zero pairs. */
export function smallestWilcoxonP(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`smallestWilcoxonP: n must be a non-negative integer, got ${n}`);
  return Math.min(1, 2 / 2 ** n);
}

/** min(1, m * 2 / 2^n): the smallest Holm-adjusted p over a family of m such tests (1 when m = 0). */
export function smallestHolmP(n: number, m: number): number {
  if (!Number.isInteger(m) || m < 0) throw new RangeError(`smallestHolmP: m must be a non-negative integer, got ${m}`);
  return m === 0 ? 1 : Math.min(1, m * smallestWilcoxonP(n));
}
