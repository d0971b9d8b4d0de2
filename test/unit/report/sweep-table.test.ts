/**
 * The view across a sweep's configurations (report/sweep-table.ts): the best cell per
 * configuration, chosen on validation scores only when every cell has one, and saying so; the
 * sweep's held-out test UAR, or the plain statement that it has none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSweepTable, sweepEndOf, sweepMetricSpec, sweepTableCsv, sweepTableMarkdown, type SweepPoint } from '../../../report/sweep-table';
import type { Run } from '../../../tracking/mlflow-schemas';

const points = (validation: boolean): SweepPoint[] => [
  { name: 'a', runId: 'r1', values: { 'gan.lambdaCls': '0.5', 'noise.sigma': '0.05' }, cells: [
    { cellId: 'none/svm', uar: 0.60, wa: 0.62, validation: validation ? 0.70 : undefined },
    { cellId: 'noise/ratio-1/svm', uar: 0.65, wa: 0.66, validation: validation ? 0.55 : undefined },
  ] },
  { name: 'b', runId: 'r2', values: { 'gan.lambdaCls': '2', 'noise.sigma': '0.05' }, cells: [
    { cellId: 'none/svm', uar: 0.61, wa: 0.60, validation: validation ? 0.50 : undefined },
    { cellId: 'noise/ratio-1/svm', uar: 0.58, wa: 0.59, validation: validation ? 0.52 : undefined },
  ] },
];

test('without validation scores the best cell is the highest test UAR, and the table says it is chosen on test scores', () => {
  const table = buildSweepTable(points(false));
  assert.equal(table.chosenOn, 'test');
  assert.deepEqual(table.paths, ['gan.lambdaCls', 'noise.sigma']);
  assert.deepEqual(table.rows.map((r) => r.best?.cellId), ['noise/ratio-1/svm', 'none/svm']);
  const md = sweepTableMarkdown(table);
  assert.match(md, /\| configuration \| gan\.lambdaCls \| noise\.sigma \| best cell \| UAR % \| WA % \|/);
  assert.match(md, /\| a \| 0\.5 \| 0\.05 \| noise\/ratio-1\/svm \| 65\.00 \| 66\.00 \|/);
  assert.match(md, /Chosen on the test scores/);
  assert.equal(sweepTableCsv(table).trim().split('\n').length, 1 + 4);
});

test('with validation scores for every cell the best cell is chosen on them', () => {
  const table = buildSweepTable(points(true));
  assert.equal(table.chosenOn, 'validation');
  assert.deepEqual(table.rows.map((r) => r.best?.cellId), ['none/svm', 'noise/ratio-1/svm']);
  assert.match(sweepTableMarkdown(table), /inner-CV validation score/);
});

test('the metric chart has one panel per swept value and one line per cell, numbers on a quantitative axis', () => {
  const spec = sweepMetricSpec(buildSweepTable(points(false)), 't') as { data: { values: { path: string; cell: string }[] }; spec: { encoding: { x: { type: string } } } };
  assert.deepEqual([...new Set(spec.data.values.map((v) => v.path))], ['gan.lambdaCls', 'noise.sigma']);
  assert.equal(spec.data.values.length, 2 * 2 * 2);
  assert.equal(spec.spec.encoding.x.type, 'quantitative');
});

test('a sweep that held speakers out shows its held-out test UAR; one that did not says its best\'s test figure is optimistic', () => {
  const run = (tags: Record<string, string>, metrics: Record<string, number>) => ({
    info: { run_id: 'sweep-run' },
    data: { tags: Object.entries(tags).map(([key, value]) => ({ key, value })), metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: 0 })), params: [] },
  }) as unknown as Run;
  const held = sweepEndOf(run({
    'serflow.best_test_note': 'best configuration a, chosen on ...', 'serflow.best_configuration': 'a', 'serflow.best_chosen_on': 'validation',
    'serflow.holdout_run_id': 'final-run', 'serflow.holdout_speakers': '03,10', 'serflow.holdout_cell': 'noise/ratio-1/svm',
  }, { 'holdout/test_uar': 0.7123, 'holdout/test_wa': 0.72 }));
  const md = sweepTableMarkdown(buildSweepTable(points(true), held));
  assert.match(md, /Held-out test UAR 71\.23 % \(WA 72\.00 %\) of noise\/ratio-1\/svm: the best configuration \(a, chosen on validation\) trained on every other speaker and tested once on speakers 03, 10, which no configuration of the sweep saw \(MLflow run final-run\)/);

  const optimistic = sweepEndOf(run({ 'serflow.best_test_note': 'best configuration b, chosen on test. Its test UAR (61.00 %) was selected across the folds it is measured on: it is optimistic.' }, {}));
  assert.match(sweepTableMarkdown(buildSweepTable(points(false), optimistic)), /Best configuration b, chosen on test\. .*it is optimistic\./);
  assert.equal(sweepEndOf(run({}, {})), undefined);
  assert.match(sweepTableMarkdown(buildSweepTable(points(false))), /No speakers were held out of this sweep: .* optimistic\./);
});
