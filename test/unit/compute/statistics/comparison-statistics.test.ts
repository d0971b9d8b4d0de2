// The statistics behind the comparisons (compute/statistics/): the percentile bootstrap of the
// median per-fold difference on cases small enough to work out by hand, numpy's quantile
// convention, and the smallest p a design of n folds can reach, alone and after Holm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMedianInterval, bootstrapMedians, median, quantileOfSorted } from '../../../../compute/statistics/bootstrap-median-interval';
import { holmAdjust } from '../../../../compute/statistics/holm-adjustment';
import { smallestHolmP, smallestWilcoxonP } from '../../../../compute/statistics/smallest-p-value';
import { wilcoxonSignedRank } from '../../../../compute/statistics/wilcoxon-signed-rank';

test('median and quantiles follow numpy (linear interpolation between order statistics)', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  // numpy.percentile([1, 2, 3, 4], 50) = 2.5; ([10, 20], 25) = 12.5; ([1, 2, 3, 4, 5], 10) = 1.4.
  assert.equal(quantileOfSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileOfSorted([10, 20], 0.25), 12.5);
  assert.ok(Math.abs(quantileOfSorted([1, 2, 3, 4, 5], 0.1) - 1.4) < 1e-12);
  assert.equal(quantileOfSorted([7], 0.975), 7);
});

test('bootstrap of three folds by hand: the median of a draw of {1, 2, 3} is 2 with probability 13/27', () => {
  // Of the 27 ordered draws, the median is 1 when at least two draws are 1: 3 * 2 + 1 = 7 draws;
  // likewise 3; the other 13 have median 2. So P = 7/27, 13/27, 7/27.
  const medians = bootstrapMedians([1, 2, 3], { seed: 11, resamples: 20_000 });
  const share = (v: number) => medians.filter((m) => m === v).length / medians.length;
  const sd = Math.sqrt(((13 / 27) * (14 / 27)) / 20_000);
  assert.ok(Math.abs(share(2) - 13 / 27) < 4 * sd, `median 2 in ${share(2)} of draws, expected ${13 / 27}`);
  assert.ok(Math.abs(share(1) - 7 / 27) < 4 * sd && Math.abs(share(3) - 7 / 27) < 4 * sd);
  assert.equal(share(1) + share(2) + share(3), 1, 'no other value is a median of three draws');
  // 7/27 = 26 % of the draws sit at each end: any interval of 80 % coverage or more spans [1, 3].
  assert.deepEqual(bootstrapMedianInterval([1, 2, 3], { seed: 11, level: 0.8 }), { estimate: 2, low: 1, high: 3, level: 0.8, resamples: 10_000 });
});

test('bootstrap of two folds by hand: medians 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4; the 95 % interval is [0, 1]', () => {
  const medians = bootstrapMedians([0, 1], { seed: 5, resamples: 10_000 });
  assert.ok(Math.abs(medians.filter((m) => m === 0.5).length / 1e4 - 0.5) < 0.02);
  const interval = bootstrapMedianInterval([1, 0], { seed: 5 });
  assert.equal(interval.estimate, 0.5);
  assert.equal(interval.low, 0);
  assert.equal(interval.high, 1);
});

test('the bootstrap is seeded: same values and seed, same interval; identical differences give a point', () => {
  const d = [0.012, -0.004, 0.031, 0.02, 0.007, 0.015, -0.01, 0.026, 0.009, 0.018];
  assert.deepEqual(bootstrapMedianInterval(d, { seed: 42 }), bootstrapMedianInterval([...d], { seed: 42 }));
  const i = bootstrapMedianInterval(d, { seed: 42 });
  assert.ok(i.low <= i.estimate && i.estimate <= i.high);
  assert.ok(i.low >= Math.min(...d) && i.high <= Math.max(...d));
  assert.deepEqual(bootstrapMedianInterval([0.02, 0.02, 0.02], { seed: 3 }), { estimate: 0.02, low: 0.02, high: 0.02, level: 0.95, resamples: 10_000 });
  assert.throws(() => bootstrapMedianInterval([], { seed: 1 }), /at least one value/);
  assert.throws(() => bootstrapMedianInterval([1, Number.NaN], { seed: 1 }), /values\[1\]/);
});

test('the smallest p a design can reach: 2/2^n, and m times that after Holm over m comparisons', () => {
  assert.equal(smallestWilcoxonP(10), 2 / 1024);
  assert.equal(smallestHolmP(10, 40), 0.078125, 'paper.yaml: 40 cells, 10 folds');
  assert.equal(smallestHolmP(10, 6), 6 * 2 / 1024);
  assert.equal(smallestWilcoxonP(1), 1);
  assert.equal(smallestWilcoxonP(0), 1);
  assert.equal(smallestHolmP(4, 100), 1, 'capped at 1');
  assert.equal(smallestHolmP(10, 0), 1, 'no family');
  // It is reached: every fold better, the exact test's p is exactly the bound, and Holm's smallest adjusted p is m times it.
  const all = wilcoxonSignedRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => 0.6 + v / 100), Array(10).fill(0.6));
  assert.equal(all.pValue, smallestWilcoxonP(10));
  assert.equal(Math.min(...holmAdjust([all.pValue, 0.5, 0.9, 0.2, 0.3, 0.04])), smallestHolmP(10, 6));
});
