/**
 * The view across a sweep's configurations (report/sweep-table.ts): the best cell per
 * configuration, chosen on validation scores only when every cell has one, and saying so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSweepTable, sweepMetricSpec, sweepTableCsv, sweepTableMarkdown, type SweepPoint } from '../../../report/sweep-table';

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
