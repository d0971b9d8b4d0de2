/**
 * Confusion matrices as heatmaps, pooled over folds and repeats (results.json summaries): for
 * each classifier, the no-augmentation cell and, for every method, its cell with the highest UAR.
 * Colour and label: row-normalised percent (recall on the diagonal); the tooltip has counts.
 */
import type { ExperimentRecord } from '../experiment-record';
import { classifierLabel, VEGA_LITE_SCHEMA, type ChartSpec } from '../chart-spec';

export interface ConfusionPanel {
  title: string;
  classifier: string;
  cellId: string;
  confusion: number[][];
}

export function confusionPanels(record: ExperimentRecord): ConfusionPanel[] {
  const { results, cellMetrics } = record;
  const panels: ConfusionPanel[] = [];
  const classifiers = [...new Set(results.cells.map((c) => c.classifier))];
  for (const classifier of classifiers) {
    const cells = results.cells.filter((c) => c.classifier === classifier && results.summaries[c.id] && cellMetrics[c.id]);
    const methods = [...new Set(cells.map((c) => c.method))];
    for (const method of methods) {
      const best = cells.filter((c) => c.method === method).sort((a, b) => (cellMetrics[b.id]?.uarMean ?? 0) - (cellMetrics[a.id]?.uarMean ?? 0))[0];
      if (!best) continue;
      const uar = (100 * (cellMetrics[best.id]?.uarMean ?? 0)).toFixed(1);
      const amount = best.amount === '-' ? '' : ` ${best.amount}`;
      panels.push({ title: `${classifierLabel(classifier)} · ${method}${amount} (UAR ${uar} %)`, classifier, cellId: best.id, confusion: results.summaries[best.id]?.confusion ?? [] });
    }
  }
  return panels;
}

export function confusionHeatmapsSpec(panels: readonly ConfusionPanel[], classes: readonly string[], title: string): ChartSpec {
  const rows = panels.flatMap((p) => p.confusion.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, q) => ({ panel: p.title, truth: classes[t] ?? String(t), predicted: classes[q] ?? String(q), count, percent: total > 0 ? (100 * count) / total : 0 }));
  }));
  const axisX = { field: 'predicted', type: 'nominal' as const, sort: classes, title: 'predicted class', axis: { labelAngle: -40 } };
  const axisY = { field: 'truth', type: 'nominal' as const, sort: classes, title: 'true class' };
  const size = Math.max(140, 34 * classes.length);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `Confusion matrices — ${title}`, subtitle: 'pooled over folds and repeats; cell = % of the true class (row), diagonal = recall; best amount of each method' },
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels.map((p) => p.title) },
    // One row per classifier: the same method sits in the same column for SVM and DNN.
    columns: Math.max(1, ...[...new Set(panels.map((p) => p.classifier))].map((c) => panels.filter((p) => p.classifier === c).length)),
    spec: {
      width: size,
      height: size,
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: axisX, y: axisY,
            color: { field: 'percent', type: 'quantitative', title: '% of true class', scale: { scheme: 'blues', domain: [0, 100] } },
            tooltip: [{ field: 'truth' }, { field: 'predicted' }, { field: 'count' }, { field: 'percent', format: '.1f' }],
          },
        },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: {
            x: axisX, y: axisY, text: { field: 'percent', type: 'quantitative', format: '.0f' },
            color: { condition: { test: 'datum.percent > 55', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  } as ChartSpec;
}
