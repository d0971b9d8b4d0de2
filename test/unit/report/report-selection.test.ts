// The report's chosen-hyperparameters tables and protocol paragraph (report/selection-table.ts,
// report/protocol-description.ts): one row per fold when the repeats agree, one per repeat when
// they do not, the mean validation UAR, nothing at all without model selection; and protocol
// lines that say what the recorded config and results say, "not recorded" where a run predates it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCells } from '../../../compute/experiment-comparisons';
import { describeProtocol, protocolMarkdown } from '../../../report/protocol-description';
import type { RecordedConfig } from '../../../report/recorded-config';
import { renderReportHtml } from '../../../report/report-html';
import { parseResultsJson, type ReportCell, type ResultsJson } from '../../../report/results-schema';
import { buildSelectionTables, formatHyperparameter, selectionHtml, selectionMarkdown } from '../../../report/selection-table';

const cells: ReportCell[] = [
  { id: 'none/svm', method: 'none', amount: '-', classifier: 'svm', augmentation: { method: 'none' } },
  { id: 'none/dnn', method: 'none', amount: '-', classifier: 'dnn', augmentation: { method: 'none' } },
  { id: 'cyclegan-wdiv/ratio-1/svm', method: 'cyclegan-wdiv', amount: 'ratio-1', classifier: 'svm', augmentation: { method: 'cyclegan', loss: 'wdiv' } },
  { id: 'cyclegan-wdiv/ratio-1/dnn', method: 'cyclegan-wdiv', amount: 'ratio-1', classifier: 'dnn', augmentation: { method: 'cyclegan', loss: 'wdiv' } },
];
const FOLDS = ['speaker-03', 'speaker-08', 'speaker-09'];

/** The SVM cells chose C inside the folds: the repeats agree except on speaker-09 of the baseline. */
function results(options: { selection: boolean; validationRows?: boolean }): ResultsJson {
  const evaluations: unknown[] = [];
  for (const cell of cells) {
    for (const fold of FOLDS) {
      for (const repeat of [0, 1]) {
        const C = cell.id === 'none/svm' && fold === 'speaker-09' ? (repeat === 0 ? 0.001 : 0.01) : fold === 'speaker-03' ? 0.0001 : 0.001;
        evaluations.push({
          cellId: cell.id, fold, repeat, wa: 0.6, uar: 0.6, confusion: [[3, 1], [1, 3]],
          ...(options.selection && cell.classifier === 'svm' ? {
            selection: { metric: 'uar', chosen: { C }, validationScore: 0.5 + repeat / 10, candidates: [{ values: { C: 0.0001 }, score: 0.45 }, { values: { C }, score: 0.5 + repeat / 10 }] },
          } : {}),
          ...(options.validationRows && cell.classifier === 'dnn' ? { validationRows: 31 + repeat } : {}),
        });
      }
    }
  }
  const summaries = Object.fromEntries(cells.map((c) => [c.id, {
    wa: { mean: 0.6, std: 0.01, n: 2 }, uar: { mean: 0.6, std: 0.01, n: 2 },
    foldUar: Object.fromEntries(FOLDS.map((f, i) => [f, 0.6 + (c.method === 'none' ? 0 : 0.02 * (i + 1))])), confusion: [[6, 2], [2, 6]], evaluations: 6,
  }]));
  return parseResultsJson(Buffer.from(JSON.stringify({
    classes: ['calm', 'angry'], cells, features: { featureKey: 'k', foldsKey: 'f', rows: 10, cols: 3, extractor: 'table' }, summaries, evaluations, rows: [],
  })), 'run-1');
}

test('chosen hyperparameters: a row per fold when the repeats agree, a row per repeat when they do not', () => {
  const r = results({ selection: true });
  const tables = buildSelectionTables(r.cells, r.evaluations);
  assert.deepEqual(tables.map((t) => t.cellId), ['none/svm', 'cyclegan-wdiv/ratio-1/svm'], 'only the cells that selected anything');
  const baseline = tables[0];
  assert.deepEqual(baseline?.params, ['C']);
  assert.deepEqual(baseline?.rows.map((row) => [row.fold, row.repeat, row.chosen.C]), [
    ['speaker-03', null, 0.0001], ['speaker-08', null, 0.001], ['speaker-09', 0, 0.001], ['speaker-09', 1, 0.01],
  ]);
  assert.ok(Math.abs((baseline?.rows[0]?.validationScore ?? 0) - 0.55) < 1e-12, 'mean over the agreeing repeats');
  assert.ok(Math.abs((baseline?.meanValidationScore ?? 0) - 0.55) < 1e-12);
  assert.equal(baseline?.evaluations, 6);
  const md = selectionMarkdown(tables);
  assert.match(md, /^## Chosen hyperparameters per fold/);
  assert.match(md, /\*\*none \/ SVM\*\* \(mean validation UAR of the chosen values 55\.00 % over 6 evaluation\(s\)\)/);
  assert.match(md, /\| fold \| repeat \| C \| validation UAR % \|/);
  assert.match(md, /\| speaker-03 \| all \| 0\.0001 \| 55\.00 \|/);
  assert.match(md, /\| speaker-09 \| 1 \| 0\.01 \| 60\.00 \|/);
  assert.equal((selectionHtml(tables).match(/<table class="selection">/g) ?? []).length, 2);
  assert.equal(formatHyperparameter(1e-7), '1e-7');
  assert.equal(formatHyperparameter(0.30000000000000004), '0.3');
});

test('no model selection: no table, no heading, nothing in the page', () => {
  const r = results({ selection: false });
  const tables = buildSelectionTables(r.cells, r.evaluations);
  assert.deepEqual(tables, []);
  assert.equal(selectionMarkdown(tables), '');
  assert.equal(selectionHtml(tables), '');
  const html = renderReportHtml('t', [{ heading: 'h', facts: [], tableHtml: '<table></table>', selectionHtml: selectionHtml(tables), figures: [], notes: [] }], 'now');
  assert.doesNotMatch(html, /Chosen hyperparameters/);
});

test('protocol paragraph: selection, DNN validation rows, GANs per repeat, declared comparisons', () => {
  const r = results({ selection: true, validationRows: true });
  const config: RecordedConfig = {
    protocol: { seed: 5, folds: { kind: 'loso' }, selection: { folds: { kind: 'loso' }, metric: 'uar' } },
    gan: { shareAcrossRepeats: false }, dnn: { earlyStopping: { validationFraction: 0.1, patience: 10 } },
    comparisons: [{ a: 'cyclegan-wdiv', b: 'none' }],
  };
  const comparisons = compareCells({ cells: r.cells, foldUar: Object.fromEntries(Object.entries(r.summaries).map(([id, s]) => [id, s.foldUar])), requests: config.comparisons, seed: 5, resamples: 100 });
  const lines = Object.fromEntries(describeProtocol({ config, results: r, comparisons }).map((l) => [l.topic, l.text]));
  assert.equal(lines.folds, 'leave-one-speaker-out: 3 fold(s), 2 repeat(s) per cell, base seed 5.');
  assert.equal(lines['model selection'], 'inside each outer fold, on its training speakers only (protocol.selection: folds (kind loso), metric uar): SVM C; the chosen values per fold are listed below.');
  assert.match(lines['DNN validation'] ?? '', /^early stopping \(validationFraction 0\.1, patience 10\) on real training rows held out before augmentation, 32 rows per evaluation on average/);
  assert.match(lines.GANs ?? '', /^one per fold and repeat \(gan\.shareAcrossRepeats: false\)/);
  assert.equal(lines.comparisons, '2 primary comparison(s) declared in the config before the run (Holm over these only); 0 exploratory.');
  assert.match(protocolMarkdown(describeProtocol({ config, results: r, comparisons })), /^\*\*Protocol\.\*\*\n\n- folds: leave-one-speaker-out/);
});

test('protocol paragraph of a run recorded before these settings: says what it can, guesses nothing', () => {
  const r = results({ selection: false });
  const comparisons = compareCells({ cells: r.cells, foldUar: Object.fromEntries(Object.entries(r.summaries).map(([id, s]) => [id, s.foldUar])), seed: 1, resamples: 100 });
  const old = Object.fromEntries(describeProtocol({ config: { protocol: { seed: 1, folds: { kind: 'loso' } }, dnn: { earlyStopping: { validationFraction: 0.1 } } }, results: r, comparisons }).map((l) => [l.topic, l.text]));
  assert.equal(old['model selection'], 'none: every classifier hyperparameter is fixed by the config.');
  assert.match(old['DNN validation'] ?? '', /records no validation rows held out before augmentation/);
  assert.match(old.GANs ?? '', /one per fold, shared by the repeats \(the recorded config has no gan\.shareAcrossRepeats/);
  assert.match(old.comparisons ?? '', /^not pre-declared/);
  const none = Object.fromEntries(describeProtocol({ config: undefined, results: r, comparisons }).map((l) => [l.topic, l.text]));
  assert.equal(none.folds, 'folds not recorded: 3 fold(s), 2 repeat(s) per cell.');
  assert.equal(none['DNN validation'], 'not recorded (the run has no config.json).');
});
