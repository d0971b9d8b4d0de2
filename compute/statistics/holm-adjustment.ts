/**
 * Holm's step-down adjustment of p-values for a family of tests (Holm 1979): controls the
 * family-wise error rate like Bonferroni, uniformly more powerful. Adjusted p_(i) =
 * max over j <= i of min(1, (m - j + 1) p_(j)), p sorted ascending; returned in input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m).fill(Number.NaN);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
