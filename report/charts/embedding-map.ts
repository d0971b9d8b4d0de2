/**
 * Figure 10 of the paper: a 2-D map of real and synthetic vectors per class, cycle-GAN (ce) and
 * cycle-GAN + Wasserstein (wdiv) side by side, on the same axes (one embedding for both), so that
 * how much of each class's region the synthetic vectors cover can be compared at a glance.
 */
import type { GanLoss } from '../../foundation/gan-loss';
import { ganLossLabel, VEGA_LITE_SCHEMA, type ChartSpec } from '../chart-spec';

export interface MapPoint {
  loss: GanLoss;
  className: string;
  source: 'real' | 'synthetic';
  x: number;
  y: number;
}

export interface MapSpecInput {
  points: MapPoint[];
  classes: readonly string[];
  /** 'PCA' or 'UMAP'. */
  method: string;
  axisTitles: [string, string];
  title: string;
  /** One line per GAN loss with the per-class coverage numbers. */
  caption: string[];
}

export function embeddingMapSpec(input: MapSpecInput): ChartSpec {
  const rows = input.points.map((p) => ({ ...p, panel: ganLossLabel(p.loss) }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `${input.method} map of real and synthetic vectors — ${input.title}`, subtitle: input.caption },
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', title: null, sort: [ganLossLabel('ce'), ganLossLabel('wdiv')], header: { labelFontWeight: 'bold' } },
    spec: {
      width: 340,
      height: 300,
      mark: { type: 'point', size: 28, strokeWidth: 1.2 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: input.axisTitles[0], scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: input.axisTitles[1], scale: { zero: false } },
        color: { field: 'className', type: 'nominal', title: 'class', sort: [...input.classes] },
        shape: { field: 'source', type: 'nominal', title: 'vectors', scale: { domain: ['real', 'synthetic'], range: ['circle', 'cross'] } },
        opacity: { condition: { test: "datum.source === 'real'", value: 0.9 }, value: 0.55 },
        // Real points drawn on top of synthetic ones.
        order: { field: 'source', type: 'nominal', sort: 'descending' },
      },
    },
  } as ChartSpec;
}
