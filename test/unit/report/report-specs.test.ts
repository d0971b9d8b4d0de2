// The report's pure parts: Table 1 (order, renderings) and its comparisons (primary and
// exploratory, Holm over the primary ones), the protocol paragraph, the chosen hyperparameters per
// fold, the curve data (samples added, baselines), the chart specs (series, layers, facets), and a render
// to SVG and PNG whose text is really drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../../tracking/mlflow-schemas';
import { augmentationCurveData, augmentationCurvesSpec } from '../../../report/charts/augmentation-curves';
import { confusionHeatmapsSpec, confusionPanels } from '../../../report/charts/confusion-heatmaps';
import { ganLossCurvesSpec, MEAN_SERIES } from '../../../report/charts/gan-loss-curves';
import type { CellMetrics, ExperimentRecord } from '../../../report/experiment-record';
import { loadFontMetrics } from '../../../report/font-metrics';
import { chartFontFiles, renderChart } from '../../../report/render-chart';
import { renderReportHtml } from '../../../report/report-html';
import type { ReportCell, ResultsJson } from '../../../report/results-schema';
import { parseResultsJson } from '../../../report/results-schema';
import { buildTableOne, comparisonsCsv, comparisonsHtml, tableOneCsv, tableOneHtml, tableOneMarkdown } from '../../../report/table-one';

const FOLDS = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];

function cell(method: string, amount: string, classifier: string): ReportCell {
  return {
    id: amount === '-' ? `${method}/${classifier}` : `${method}/${amount}/${classifier}`, method, amount, classifier,
    augmentation: method === 'none' ? { method: 'none' } : { method: method.startsWith('cyclegan') ? 'cyclegan' : method },
  };
}

const cells = [
  cell('none', '-', 'svm'), cell('none', '-', 'dnn'),
  cell('smote', 'ratio-0.5', 'svm'), cell('smote', 'ratio-1', 'svm'), cell('smote', 'ratio-0.5', 'dnn'), cell('smote', 'ratio-1', 'dnn'),
];
/** Per-fold UARs: smote ratio-1 svm beats the baseline on every fold; the others are mixed. */
const foldUar: Record<string, Record<string, number>> = {
  'none/svm': { f1: 0.6, f2: 0.62, f3: 0.55, f4: 0.7, f5: 0.58, f6: 0.61 },
  'none/dnn': { f1: 0.6, f2: 0.6, f3: 0.6, f4: 0.6, f5: 0.6, f6: 0.6 },
  'smote/ratio-0.5/svm': { f1: 0.61, f2: 0.6, f3: 0.56, f4: 0.69, f5: 0.6, f6: 0.61 },
  'smote/ratio-1/svm': { f1: 0.7, f2: 0.72, f3: 0.66, f4: 0.79, f5: 0.69, f6: 0.7 },
  'smote/ratio-0.5/dnn': { f1: 0.61, f2: 0.59, f3: 0.62, f4: 0.58, f5: 0.6, f6: 0.6 },
  'smote/ratio-1/dnn': { f1: 0.65, f2: 0.55, f3: 0.62, f4: 0.58, f5: 0.61, f6: 0.63 },
};
const metrics: Record<string, CellMetrics> = Object.fromEntries(cells.map((c, i) => [c.id, { waMean: 0.6 + i / 100, waStd: 0.01, uarMean: 0.55 + i / 50, uarStd: 0.02, source: 'mlflow' as const }]));

test('Table 1: baselines first, then the config\'s order; the comparisons beside it, Holm over the primary ones', () => {
  const table = buildTableOne({ cells: [...cells.slice(2), ...cells.slice(0, 2)], metrics, foldUar, seed: 3 });
  assert.deepEqual(table.rows.map((r) => r.cellId), ['none/svm', 'none/dnn', ...cells.slice(2).map((c) => c.id)]);
  // Not declared: every augmented cell vs none is primary, 4 of them.
  assert.equal(table.comparisons.preDeclared, false);
  assert.equal(table.comparisons.primaryCount, 4);
  const best = table.comparisons.comparisons.find((c) => c.cellA === 'smote/ratio-1/svm');
  // 6 of 6 folds better: exact two-sided p = 2/64; Holm multiplies by 4 (the smallest of 4 p-values).
  assert.equal(best?.pRaw, 2 / 64);
  assert.equal(best?.pHolm, 4 * (2 / 64));
  assert.equal(best?.rankBiserial, 1);
  assert.equal(best?.significant, false, 'p 0.125 after Holm');
  assert.ok(Math.abs((best?.deltaMean ?? 0) - 0.1) < 1e-12);
  const mixed = table.comparisons.comparisons.find((c) => c.cellA === 'smote/ratio-0.5/dnn');
  assert.equal(mixed?.zeros, 2, 'f5 and f6 tie with the baseline');
  assert.equal(mixed?.folds, 6);
  // Declared: only smote ratio-1 on the SVM is primary; Holm over that one alone makes it significant at 0.05.
  const declared = buildTableOne({ cells, metrics, foldUar, seed: 3, comparisons: [{ a: 'smote', b: 'none', classifier: 'svm', amount: 'ratio-1' }] });
  assert.deepEqual(declared.comparisons.comparisons.filter((c) => c.role === 'primary').map((c) => [c.id, c.pHolm, c.significant]), [['smote_vs_none/svm/ratio-1', 2 / 64, true]]);
  assert.deepEqual(declared.comparisons.comparisons.filter((c) => c.role === 'exploratory').map((c) => [c.cellA, c.pHolm, c.significant]), [
    ['smote/ratio-0.5/svm', null, null], ['smote/ratio-0.5/dnn', null, null], ['smote/ratio-1/dnn', null, null],
  ]);
});

test('Table 1 renderings: percent in Markdown and HTML, fractions in CSV; primary and exploratory comparisons labelled', () => {
  const table = buildTableOne({ cells, metrics, foldUar, seed: 3, comparisons: [{ a: 'smote', b: 'none', amount: 'ratio-1' }] });
  const md = tableOneMarkdown(table);
  assert.match(md, /\| none \(baseline\) \| - \| SVM \| 60\.00 ± 1\.00 \| 55\.00 ± 2\.00 \|/);
  assert.match(md, /The 2 primary comparison\(s\) were declared in the config/);
  assert.match(md, /With 6 folds the smallest two-sided p the exact Wilcoxon signed-rank test can reach is 2\/2\^6 = 0\.031, and 2 x 0\.031 = 0\.063 after Holm/);
  assert.match(md, /no primary comparison can be significant/, '2/64 x 2 > 0.05');
  assert.match(md, /\| primary \| smote \| none \| SVM \| ratio-1 \| 6 \| \+10\.00 \| \[\+\d+\.\d\d, \+\d+\.\d\d\] \| \+10\.00 \| 0\.031 \| 0\.063 \| no \|/);
  assert.match(md, /\| exploratory \| smote \| none \| SVM \| ratio-0\.5 \| 6 \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \|  \|  \|/);
  const csv = tableOneCsv(table).trim().split('\n');
  assert.equal(csv.length, 1 + cells.length);
  assert.equal(csv[1], 'none/svm,none,-,svm,true,0.6,0.01,0.55,0.02');
  const comparisons = comparisonsCsv(table).trim().split('\n');
  assert.equal(comparisons.length, 1 + 4);
  assert.match(comparisons[1] ?? '', /^smote_vs_none\/svm\/ratio-1,primary,smote,none,svm,ratio-1,smote\/ratio-1\/svm,none\/svm,6,0,/);
  assert.match(comparisons[3] ?? '', /,exploratory,.*,,$/, 'no p_holm and no verdict for exploratory rows');
  const html = tableOneHtml(table);
  assert.equal((html.match(/<tr/g) ?? []).length, 1 + cells.length);
  assert.match(html, /class="baseline"/);
  const comparisonsPage = comparisonsHtml(table);
  assert.match(comparisonsPage, /<p class="design">The 2 primary comparison/);
  assert.match(comparisonsPage, /Primary: declared in the config; Holm over these 2/);
  assert.match(comparisonsPage, /Exploratory: every other augmented cell vs no augmentation; raw p only/);
  assert.equal((comparisonsPage.match(/<tr class="exploratory">/g) ?? []).length, 2);
});

function record(): ExperimentRecord {
  const evaluations: ResultsJson['evaluations'] = [];
  for (const c of cells) {
    for (const fold of FOLDS) {
      for (const repeat of [0, 1]) {
        const perClass = c.amount === 'ratio-0.5' ? 5 : c.amount === 'ratio-1' ? 10 + repeat : 0;
        evaluations.push({ cellId: c.id, fold, repeat, wa: 0.5, uar: 0.5, confusion: [[3, 1], [1, 3]], addedPerClass: { calm: perClass, angry: perClass } });
      }
    }
  }
  const summaries = Object.fromEntries(cells.map((c, i) => [c.id, {
    wa: { mean: 0.6, std: 0.01, n: 2 }, uar: { mean: 0.6, std: 0.01, n: 2 }, foldUar: foldUar[c.id] ?? {},
    confusion: [[10 + i, 2], [3, 9]], evaluations: 12,
  }]));
  const results = parseResultsJson(Buffer.from(JSON.stringify({
    classes: ['calm', 'angry'], cells, features: { featureKey: 'k', foldsKey: 'f', rows: 10, cols: 3, extractor: 'table' }, summaries, evaluations, rows: [],
  })), 'run-1');
  const run = { info: { run_id: 'run-1', experiment_id: '1', status: 'FINISHED' }, data: { metrics: [], params: [], tags: [] } } as unknown as Run;
  return { run, name: 'unit', results, config: { protocol: { seed: 3 } }, cellMetrics: metrics, ganRuns: [] };
}

test('results.json problems name the run and every field', () => {
  assert.throws(() => parseResultsJson(Buffer.from('{"classes": ["a"], "cells": []}'), 'abc123'), (err: Error) =>
    /run abc123 artifact results.json/.test(err.message) && /classes/.test(err.message) && /cells/.test(err.message) && /summaries/.test(err.message));
  assert.throws(() => parseResultsJson(Buffer.from('not json'), 'abc123'), /is not JSON/);
});

test('curve data: samples added = mean over evaluations of the sum over classes; baselines per classifier', () => {
  const data = augmentationCurveData(record());
  assert.deepEqual(data.methods, ['smote']);
  assert.deepEqual(data.baselines.map((b) => b.classifier), ['SVM', 'DNN']);
  const svm1 = data.points.find((p) => p.classifier === 'SVM' && p.amount === 'ratio-1');
  assert.equal(svm1?.added, 21, '(20 + 22) / 2');
  assert.equal(svm1?.uar, 100 * (metrics['smote/ratio-1/svm']?.uarMean ?? 0));
  const spec = augmentationCurvesSpec(data, 'unit') as unknown as { data: { values: Record<string, unknown>[] }; spec: { layer: { mark: { type: string } }[] }; facet: { field: string } };
  assert.equal(spec.facet.field, 'method');
  assert.deepEqual(spec.spec.layer.map((l) => l.mark.type), ['rule', 'rule', 'line']);
  assert.equal(spec.data.values.filter((v) => v.series === 'no augmentation (baseline)').length, 2);
  assert.equal(spec.data.values.filter((v) => v.series === 'with augmentation').length, 4);
});

test('confusion panels: per classifier the baseline and each method at its best amount', () => {
  const panels = confusionPanels(record());
  // uarMean grows with the cell's index: ratio-1 is best for both classifiers.
  assert.deepEqual(panels.map((p) => p.cellId), ['none/svm', 'smote/ratio-1/svm', 'none/dnn', 'smote/ratio-1/dnn']);
  const spec = confusionHeatmapsSpec(panels, ['calm', 'angry'], 'unit') as unknown as { data: { values: { percent: number; count: number; panel: string }[] } };
  assert.equal(spec.data.values.length, 4 * 4);
  const first = spec.data.values.slice(0, 2);
  assert.deepEqual(first.map((v) => v.count), [10, 2]);
  assert.ok(Math.abs((first[0]?.percent ?? 0) - (100 * 10) / 12) < 1e-12, 'row-normalised');
});

test('GAN loss spec: a row per term, a column per loss, a line per class and the mean', () => {
  const points = ['calm', 'angry', MEAN_SERIES].flatMap((series) => (['ce', 'wdiv'] as const).flatMap((loss) => ['dT', 'cyc'].flatMap((term) => [1, 2, 3].map((epoch) => ({ loss, term, series, epoch, value: epoch * 0.1 })))));
  const spec = ganLossCurvesSpec([...points, { loss: 'ce', term: 'dT', series: 'calm', epoch: 4, value: Number.NaN }], 'unit') as unknown as {
    data: { values: unknown[] }; facet: { row: { sort: string[] } }; spec: { encoding: { color: { scale: { domain: string[] } } } };
  };
  assert.equal(spec.data.values.length, points.length, 'non-finite values dropped');
  assert.deepEqual(spec.facet.row.sort, ['dT: discriminator D^T', 'cyc: cycle MSE']);
  assert.deepEqual(spec.spec.encoding.color.scale.domain, ['angry', 'calm', MEAN_SERIES]);
});

test('font metrics: DejaVu Sans widths, far below vega\'s 0.8 em estimate', () => {
  const metrics = loadFontMetrics(chartFontFiles()[0] as string);
  // DejaVu Sans: "n" advances 1298 of 2048 units, "M" 1767.
  assert.ok(Math.abs(metrics.width('n', 2048) - 1298) < 1e-9);
  assert.ok(Math.abs(metrics.width('M', 2048) - 1767) < 1e-9);
  assert.ok(metrics.width('UAR (%)', 12) < 0.8 * 7 * 12 * 0.8);
});

test('a chart renders to SVG and to a PNG twice its size, with its title', async () => {
  const chart = await renderChart(augmentationCurvesSpec(augmentationCurveData(record()), 'render check'));
  assert.match(chart.svg, /render check/);
  assert.match(chart.svg, /UAR \(%\)/);
  const svgWidth = Number(/width="(\d+)"/.exec(chart.svg)?.[1]);
  assert.equal(chart.width, 2 * svgWidth);
  assert.equal(chart.png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.deepEqual(chart.warnings, []);
});

test('the HTML page keeps each inline SVG\'s definitions apart', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="gradient_0"/></defs><rect fill="url(#gradient_0)"/></svg>';
  const html = renderReportHtml('t', [{ heading: 'h', facts: [['run', 'r1']], tableHtml: '<table></table>', figures: [{ title: 'a', svg, caption: 'x' }, { title: 'b', svg, caption: 'y' }], notes: [] }], 'now');
  assert.deepEqual(html.match(/id="[^"]+"/g), ['id="fig1-gradient_0"', 'id="fig2-gradient_0"']);
  assert.deepEqual(html.match(/url\(#[^)]+\)/g), ['url(#fig1-gradient_0)', 'url(#fig2-gradient_0)']);
  assert.match(html, /^<!doctype html>/);
});
