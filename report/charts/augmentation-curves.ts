/**
 * Figures 5-9 of the paper in one figure: UAR against the number of synthetic samples added,
 * one panel per method, one line per classifier, error bars ± 1 std over repeats, and the
 * no-augmentation UAR of each classifier as a dashed reference line.
 */
import type { ExperimentRecord } from '../experiment-record';
import { classifierLabel, VEGA_LITE_SCHEMA, type ChartSpec } from '../chart-spec';

export interface CurvePoint {
  method: string;
  classifier: string;
  amount: string;
  /** Mean over the cell's evaluations of the synthetic samples added to a training fold; null when not recorded. */
  added: number | null;
  /** Percent. */
  uar: number;
  uarStd: number | null;
}

export interface CurveData {
  points: CurvePoint[];
  /** No-augmentation UAR per classifier, percent. */
  baselines: { classifier: string; uar: number }[];
  /** Methods in the config's order. */
  methods: string[];
}

export function augmentationCurveData(record: ExperimentRecord): CurveData {
  const { results, cellMetrics } = record;
  const points: CurvePoint[] = [];
  const baselines: CurveData['baselines'] = [];
  const methods: string[] = [];
  for (const cell of results.cells) {
    const m = cellMetrics[cell.id];
    if (!m) continue;
    if (cell.augmentation.method === 'none') {
      baselines.push({ classifier: classifierLabel(cell.classifier), uar: 100 * m.uarMean });
      continue;
    }
    if (!methods.includes(cell.method)) methods.push(cell.method);
    const evaluations = results.evaluations.filter((e) => e.cellId === cell.id);
    const recorded = evaluations.length > 0 && evaluations.every((e) => e.addedPerClass !== undefined);
    const added = recorded
      ? evaluations.reduce((s, e) => s + Object.values(e.addedPerClass ?? {}).reduce((a, b) => a + b, 0), 0) / evaluations.length
      : null;
    points.push({ method: cell.method, classifier: classifierLabel(cell.classifier), amount: cell.amount, added, uar: 100 * m.uarMean, uarStd: m.uarStd === null ? null : 100 * m.uarStd });
  }
  return { points, baselines, methods };
}

const AUGMENTED = 'with augmentation';
const BASELINE = 'no augmentation (baseline)';

export function augmentationCurvesSpec(data: CurveData, title: string): ChartSpec {
  const numeric = data.points.every((p) => p.added !== null);
  const rows = [
    ...data.points.map((p) => ({
      ...p, series: AUGMENTED, x: numeric ? p.added : p.amount,
      low: p.uar - (p.uarStd ?? 0), high: p.uar + (p.uarStd ?? 0),
    })),
    // The baseline is drawn in every method's panel.
    ...data.methods.flatMap((method) => data.baselines.map((b) => ({ method, classifier: b.classifier, uar: b.uar, series: BASELINE }))),
  ];
  const x = numeric
    ? { field: 'x', type: 'quantitative' as const, title: 'synthetic samples added per training fold' }
    : { field: 'x', type: 'ordinal' as const, title: 'amount of augmentation' };
  const color = { field: 'classifier', type: 'nominal' as const, title: 'classifier', scale: { range: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'] } };
  const strokeDash = {
    field: 'series', type: 'nominal' as const, title: 'line', scale: { domain: [AUGMENTED, BASELINE], range: [[1, 0], [6, 4]] },
    // The subtitle says which line is which: vega's legend for a dash pattern draws no visible symbol.
    legend: null,
  };
  const y = { field: 'uar', type: 'quantitative' as const, title: 'UAR (%)', scale: { zero: false } };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `UAR vs synthetic samples added — ${title}`, subtitle: 'one panel per method (the paper\'s Figures 5–9); error bars ± 1 std over repeats; dashed: no augmentation' },
    data: { values: rows },
    facet: { field: 'method', type: 'nominal', title: null, sort: data.methods, header: { labelFontWeight: 'bold', labelFontSize: 13 } },
    columns: Math.min(3, Math.max(1, data.methods.length)),
    spec: {
      width: 260,
      height: 200,
      layer: [
        { transform: [{ filter: `datum.series === '${BASELINE}'` }], mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, color, strokeDash } },
        { transform: [{ filter: `datum.series === '${AUGMENTED}'` }], mark: { type: 'rule', strokeWidth: 1.2 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
        {
          transform: [{ filter: `datum.series === '${AUGMENTED}'` }],
          mark: { type: 'line', point: { filled: true, size: 50 }, strokeWidth: 2 },
          encoding: { x, y, color, strokeDash, tooltip: [{ field: 'amount' }, { field: 'uar', format: '.2f' }, { field: 'uarStd', format: '.2f' }] },
        },
      ],
    },
    // Shared scales, so that panels compare; an axis on every panel, so that each reads alone.
    resolve: { axis: { x: 'independent', y: 'independent' } },
  } as ChartSpec;
}
