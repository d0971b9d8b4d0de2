/**
 * GAN training curves: each loss term per epoch (MLflow metric histories of the GAN runs, step =
 * epoch), one row per term and one column per adversarial loss (ce, wdiv), one line per class
 * plus their mean. The y scale is per row: the terms live on different scales.
 */
import type { GanLoss } from '../../foundation/gan-loss';
import { ganLossLabel, VEGA_LITE_SCHEMA, type ChartSpec } from '../chart-spec';

export interface LossPoint {
  loss: GanLoss;
  /** dT, dS, g, f, cyc, cls, gp. */
  term: string;
  /** A class name, or 'mean over classes'. */
  series: string;
  epoch: number;
  value: number;
}

export const MEAN_SERIES = 'mean over classes';

export const LOSS_TERM_TITLES: Record<string, string> = {
  dT: 'dT: discriminator D^T',
  dS: 'dS: discriminator D^S',
  g: 'g: adversarial term of G',
  f: 'f: adversarial term of F',
  cyc: 'cyc: cycle MSE',
  cls: 'cls: classifier CE on G(s)',
  gp: 'gp: WGAN-div penalty',
};


export function ganLossCurvesSpec(points: readonly LossPoint[], title: string): ChartSpec {
  const terms = [...new Set(points.map((p) => p.term))];
  const order = Object.keys(LOSS_TERM_TITLES).filter((t) => terms.includes(t)).concat(terms.filter((t) => !(t in LOSS_TERM_TITLES)));
  const series = [...new Set(points.map((p) => p.series))].filter((s) => s !== MEAN_SERIES).sort();
  const rows = points.filter((p) => Number.isFinite(p.value)).map((p) => ({ ...p, panel: ganLossLabel(p.loss), termTitle: LOSS_TERM_TITLES[p.term] ?? p.term }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `GAN losses per epoch — ${title}`, subtitle: 'one line per emotion class (black: mean over classes); epochs count pretraining first' },
    data: { values: rows },
    facet: {
      row: { field: 'termTitle', type: 'nominal', title: null, sort: order.map((t) => LOSS_TERM_TITLES[t] ?? t), header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } },
      column: { field: 'panel', type: 'nominal', title: null, sort: [ganLossLabel('ce'), ganLossLabel('wdiv')], header: { labelFontWeight: 'bold' } },
    },
    spec: {
      width: 280,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false }, axis: { format: '~g' } },
        color: { field: 'series', type: 'nominal', title: 'class', sort: [...series, MEAN_SERIES], scale: { domain: [...series, MEAN_SERIES], range: [...['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'].slice(0, series.length), '#000000'] } },
        strokeWidth: { condition: { test: `datum.series === '${MEAN_SERIES}'`, value: 2.5 }, value: 1.2 },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as ChartSpec;
}
