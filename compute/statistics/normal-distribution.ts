/**
 * The standard normal's tail probability, to about 1e-14 relative accuracy: a series for erf
 * near 0 and a continued fraction for erfc in the tails, so that tiny p-values (1e-9 and below)
 * keep their digits instead of rounding to 0 through 1 - cdf.
 */

/** erfc(x) for x >= 0. */
function erfcNonNegative(x: number): number {
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); converges fast for x < 2.
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** P(Z >= z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return z >= 0 ? 0.5 * erfcNonNegative(z / Math.SQRT2) : 1 - 0.5 * erfcNonNegative(-z / Math.SQRT2);
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return normalSurvival(-z);
}
