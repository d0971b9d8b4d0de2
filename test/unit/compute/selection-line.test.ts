/**
 * The line under `serflow run`'s table (issue 30): what was selected inside the outer folds,
 * which values won how often, and where the DNN's early stopping looked, from what the
 * evaluations recorded; and, for a run that selected nothing, that it did not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedEvaluation } from '../../../compute/experiment-summary';
import { selectionLine, selectionLineSettings } from '../../../compute/selection-line';

const cells = [{ id: 'none/svm', classifier: 'svm' }, { id: 'none/dnn', classifier: 'dnn' }];
const evaluation = (cellId: string, fold: string, extra: Partial<RecordedEvaluation>): RecordedEvaluation =>
  ({ cellId, fold, repeat: 0, wa: 0.5, uar: 0.5, confusion: [[1]], ...extra });
const chose = (C: number) => ({ selection: { metric: 'uar', chosen: { C }, validationScore: 0.6, candidates: [] } });

test('C selected on a speaker hold-out: the values that won and how often; the DNN\'s early stopping', () => {
  const evaluations = [
    evaluation('none/svm', 'speaker-03', chose(0.01)), evaluation('none/svm', 'speaker-08', chose(0.1)), evaluation('none/svm', 'speaker-09', chose(0.01)),
    evaluation('none/dnn', 'speaker-03', { validationRows: 70 }),
  ];
  const settings = selectionLineSettings({
    protocol: { selection: { folds: { kind: 'speaker-holdout', fraction: 0.2 }, metric: 'uar' } },
    dnn: { earlyStopping: { validationFraction: 0.2, patience: 8 } },
  });
  assert.equal(selectionLine(evaluations, cells, settings),
    'selected inside each outer fold on a speaker hold-out (20 %) of its training speakers, by UAR: SVM C 0.01 (2x), 0.1 (1x) of 3 evaluations; ' +
    'DNN early-stopped (patience 8) on 20 % of the training speakers, held out before augmentation.');
});

test('nothing selected, no early stopping: the line says so', () => {
  const evaluations = [evaluation('none/svm', 'speaker-03', {}), evaluation('none/dnn', 'speaker-03', {})];
  assert.equal(selectionLine(evaluations, cells, selectionLineSettings({ protocol: {} })),
    'no hyperparameter selected (every value fixed by the config); DNN trained for its full epoch budget (no early stopping).');
});

test('an ACRNN\'s early stopping is named as the DNN\'s is; one trained to its full budget says so', () => {
  const sequenceCells = [{ id: 'none/acrnn', classifier: 'acrnn' }];
  const evaluations = [evaluation('none/acrnn', 'speaker-03', { validationRows: 40 })];
  assert.equal(selectionLine(evaluations, sequenceCells, selectionLineSettings({ protocol: {}, acrnn: { earlyStopping: { validationFraction: 0.1, patience: 4 } } })),
    'no hyperparameter selected (every value fixed by the config); ACRNN early-stopped (patience 4) on 10 % of the training speakers, held out before augmentation.');
  assert.equal(selectionLine(evaluations, sequenceCells, selectionLineSettings({ protocol: {}, acrnn: { earlyStopping: null } })),
    'no hyperparameter selected (every value fixed by the config); ACRNN trained for its full epoch budget (no early stopping).');
});
