/**
 * The figure of `serflow compare`: per cell, left the UAR of A and of B (mean over repeats, each
 * repeat pooled over folds, bars ± 1 std), right the difference B − A: with matching folds the
 * median per-fold paired difference and its bootstrap interval (the paired table's numbers),
 * otherwise the difference of the means alone, and the subtitle says so.
 */
import { classifierLabel, VEGA_LITE_SCHEMA, type ChartSpec } from '../chart-spec';
import type { ExperimentPair, PairRow } from '../experiment-pair';

/** A cell as the figure labels it: `smote / ratio-1 / SVM`, `none / SVM`. */
export function pairRowLabel(row: Pick<PairRow, 'method' | 'amount' | 'classifier' | 'isBaseline'>): string {
  return row.isBaseline ? `${row.method} / ${classifierLabel(row.classifier)}` : `${row.method} / ${row.amount} / ${classifierLabel(row.classifier)}`;
}

export function experimentPairSpec(pair: ExperimentPair): ChartSpec {
  const labels = pair.rows.map(pairRowLabel);
  const sideName = { A: `A: ${pair.a.name}`, B: `B: ${pair.b.name}` };
  const uars = pair.rows.flatMap((row) => (['A', 'B'] as const).flatMap((s) => {
    const m = s === 'A' ? row.a : row.b;
    if (!m) return [];
    const uar = 100 * m.uarMean;
    const std = m.uarStd === null ? 0 : 100 * m.uarStd;
    return [{ cell: pairRowLabel(row), experiment: sideName[s], uar, low: uar - std, high: uar + std }];
  }));
  const paired = pair.paired !== undefined;
  const deltas = pair.rows.flatMap((row): { cell: string; delta: number; low: number; high: number; p: number | null }[] => {
    if (row.paired) {
      return [{ cell: pairRowLabel(row), delta: 100 * row.paired.deltaMedian, low: 100 * row.paired.ci.low, high: 100 * row.paired.ci.high, p: row.paired.pRaw }];
    }
    return !paired && row.delta ? [{ cell: pairRowLabel(row), delta: 100 * row.delta.uar, low: 100 * row.delta.uar, high: 100 * row.delta.uar, p: null }] : [];
  });
  const y = { field: 'cell', type: 'nominal' as const, title: null, sort: labels, scale: { domain: labels } };
  const height = Math.max(120, 26 * labels.length);
  const color = { field: 'experiment', type: 'nominal' as const, title: 'experiment', scale: { domain: [sideName.A, sideName.B], range: ['#1f77b4', '#d62728'] } };
  const deltaTitle = paired
    ? `B − A, UAR (pp): median over ${pair.paired?.folds.length} paired folds, ${Math.round(100 * (pair.paired?.bootstrap.level ?? 0.95))} % bootstrap interval`
    : 'B − A, UAR (pp): difference of the means (folds differ: not paired)';
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `${pair.a.name} (A) vs ${pair.b.name} (B)`,
      subtitle: [
        'left: UAR per cell, mean over repeats (each repeat pooled over folds), bars ± 1 std over repeats',
        paired ? 'right: per-fold paired difference B − A (fold UAR: mean over repeats)' : `right: B − A of the means only; ${pair.folds.matched ? 'no cell ran in both' : 'the folds do not match, so no paired interval'}`,
      ],
    },
    hconcat: [
      {
        width: 300, height, data: { values: uars },
        layer: [
          { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, yOffset: { field: 'experiment' }, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' }, color } },
          {
            mark: { type: 'point', filled: true, size: 60 },
            encoding: {
              y, yOffset: { field: 'experiment' }, color,
              x: { field: 'uar', type: 'quantitative', title: 'UAR (%)', scale: { zero: false } },
              tooltip: [{ field: 'experiment' }, { field: 'cell' }, { field: 'uar', format: '.2f' }],
            },
          },
        ],
      },
      {
        width: 300, height, data: { values: deltas },
        layer: [
          { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
          { mark: { type: 'rule', strokeWidth: 1.5, color: '#333' }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
          {
            mark: { type: 'point', filled: true, size: 60, color: '#333' },
            encoding: {
              y, x: { field: 'delta', type: 'quantitative', title: deltaTitle },
              tooltip: [{ field: 'cell' }, { field: 'delta', format: '+.2f' }, { field: 'low', format: '+.2f' }, { field: 'high', format: '+.2f' }, { field: 'p', format: '.3f' }],
            },
          },
        ],
      },
    ],
    resolve: { scale: { y: 'shared' } },
  } as ChartSpec;
}
