// Wilcoxon signed-rank against scipy 1.17.1 (stats.wilcoxon, default zero_method="wilcox"; values
// printed by ~/.cache/serflow/venv/bin/python). With ties scipy's default is the exact permutation
// distribution, which is what ours computes; without ties it is the classic exact distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holmAdjust } from '../../../../compute/statistics/holm-adjustment';
import { normalSurvival } from '../../../../compute/statistics/normal-distribution';
import { wilcoxonSignedRank, type Alternative } from '../../../../compute/statistics/wilcoxon-signed-rank';

const zerosLike = (a: number[]): number[] => a.map(() => 0);

interface Case {
  name: string;
  x: number[];
  y?: number[];
  /** scipy's statistic for two-sided (min(W+, W-)) and for one-sided (W+), then p two-sided, greater, less. */
  statistic: number;
  wPlus: number;
  p: Record<Alternative, number>;
}

const cases: Case[] = [
  { name: 'no ties, n = 10', x: [1, 2, 3, 4, 5, 6, 7, 8, -9, 10], statistic: 9, wPlus: 46, p: { 'two-sided': 0.064453125, greater: 0.0322265625, less: 0.9755859375 } },
  {
    name: 'fold UARs with a zero difference and float-noise ties',
    x: [0.71, 0.65, 0.8, 0.77, 0.62, 0.69, 0.74, 0.7, 0.66, 0.73],
    y: [0.68, 0.66, 0.75, 0.7, 0.6, 0.69, 0.7, 0.71, 0.61, 0.7],
    statistic: 3, wPlus: 42, p: { 'two-sided': 0.01953125, greater: 0.009765625, less: 0.994140625 },
  },
  { name: 'ties and a zero', x: [1, 1, 2, -2, 3, 4, 5, 0, 6, -1], statistic: 6.5, wPlus: 38.5, p: { 'two-sided': 0.06640625, greater: 0.033203125, less: 0.978515625 } },
  { name: 'all negative, n = 6', x: [-1, -2, -3, -4, -5, -6], statistic: 0, wPlus: 0, p: { 'two-sided': 0.03125, greater: 1, less: 0.015625 } },
  { name: 'n = 3', x: [0.5, -0.2, 0.9], statistic: 1, wPlus: 5, p: { 'two-sided': 0.5, greater: 0.25, less: 0.875 } },
];

for (const c of cases) {
  for (const alternative of ['two-sided', 'greater', 'less'] as const) {
    test(`wilcoxon ${c.name} (${alternative}) matches scipy`, () => {
      const r = wilcoxonSignedRank(c.x, c.y ?? zerosLike(c.x), { alternative });
      assert.equal(r.method, 'exact');
      assert.equal(r.statistic, c.statistic);
      assert.equal(r.wPlus, c.wPlus);
      assert.ok(Math.abs(r.pValue - c.p[alternative]) < 1e-12, `p ${r.pValue}, scipy ${c.p[alternative]}`);
    });
  }
}

test('zeros are dropped and counted; ties are reported', () => {
  const r = wilcoxonSignedRank([1, 1, 2, -2, 3, 4, 5, 0, 6, -1], new Array<number>(10).fill(0));
  assert.equal(r.zeros, 1);
  assert.equal(r.n, 9);
  assert.equal(r.ties, true);
  assert.equal(r.wPlus + r.wMinus, (9 * 10) / 2);
});

test('rank-biserial: +1 when x always wins, -1 when it always loses, (W+ - W-)/(W+ + W-) otherwise', () => {
  assert.equal(wilcoxonSignedRank([2, 3, 4], [1, 1, 1]).rankBiserial, 1);
  assert.equal(wilcoxonSignedRank([0, 0, 0], [1, 2, 3]).rankBiserial, -1);
  // W+ = 46, W- = 9 of 55.
  assert.ok(Math.abs((wilcoxonSignedRank([1, 2, 3, 4, 5, 6, 7, 8, -9, 10], new Array<number>(10).fill(0)).rankBiserial ?? 0) - 37 / 55) < 1e-15);
});

test('no differing pair: p = 1, no effect size', () => {
  const r = wilcoxonSignedRank([0.5, 0.7], [0.5, 0.7]);
  assert.deepEqual([r.n, r.zeros, r.pValue, r.rankBiserial], [0, 2, 1, null]);
});

test('large n uses the normal approximation (scipy method="approx")', () => {
  const big = Array.from({ length: 220 }, (_, i) => (i % 7 === 3 ? -1 : 1) * (i + 1));
  big[10] = -(big[10] as number);
  const r = wilcoxonSignedRank(big, zerosLike(big));
  assert.equal(r.method, 'normal');
  assert.equal(r.statistic, 3368);
  assert.ok(Math.abs(r.pValue / 1.451448989155885e-20 - 1) < 1e-9, `p ${r.pValue}`);
  const greater = wilcoxonSignedRank(big, zerosLike(big), { alternative: 'greater' });
  assert.ok(Math.abs(greater.pValue / 7.257244945779425e-21 - 1) < 1e-9);
  // With ties: the variance's tie correction matters.
  const ties = Array.from({ length: 240 }, (_, i) => Math.round(Math.sin(i) * 10) / 2 + 0.25);
  const t = wilcoxonSignedRank(ties, zerosLike(ties));
  assert.equal(t.statistic, 12953);
  assert.ok(Math.abs(t.pValue - 0.16096701769361277) < 1e-12, `p ${t.pValue}`);
});

test('the exact and the normal p agree roughly at n = 40 (sanity of both paths)', () => {
  const d = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (i + 1) * 0.01);
  const exact = wilcoxonSignedRank(d, zerosLike(d)).pValue;
  const normal = wilcoxonSignedRank(d, zerosLike(d), { exactMaxN: 10 }).pValue;
  assert.ok(Math.abs(exact - normal) < 0.01, `${exact} vs ${normal}`);
});

test('bad input is refused', () => {
  assert.throws(() => wilcoxonSignedRank([1, 2], [1]), /same length/);
  assert.throws(() => wilcoxonSignedRank([1, Number.NaN], [1, 2]), /finite/);
});

test('normal tail: known values', () => {
  assert.ok(Math.abs(normalSurvival(1.959963984540054) - 0.025) < 1e-15);
  assert.ok(Math.abs(normalSurvival(0) - 0.5) < 1e-16);
  assert.ok(Math.abs(normalSurvival(-1) - 0.8413447460685429) < 1e-15);
  // scipy.stats.norm.sf(8) = 6.220960574271785e-16
  assert.ok(Math.abs(normalSurvival(8) / 6.220960574271785e-16 - 1) < 1e-12);
});

test('Holm adjustment (values by hand; input order kept)', () => {
  // Sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.06, 0.06, 0.5.
  const adjusted = holmAdjust([0.03, 0.01, 0.5, 0.02]);
  const expected = [0.06, 0.04, 0.5, 0.06];
  adjusted.forEach((p, i) => assert.ok(Math.abs(p - (expected[i] as number)) < 1e-15, `${i}: ${p}`));
  assert.deepEqual(holmAdjust([0.9, 0.8]), [1, 1]);
  assert.deepEqual(holmAdjust([0.2, 0.4]), [0.4, 0.4]);
  assert.deepEqual(holmAdjust([]), []);
});
