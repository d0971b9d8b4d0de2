/**
 * Model selection (compute/select) and its config: the candidate grid and its order, the inner
 * splits over the training speakers, the score (unweighted mean of inner UARs, recomputed here
 * by plain fits), the tie rule, the refit, and what evaluateFold reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifierSearchSpecSchema, svmSearchSpecSchema } from '../../../../compute/classify/classifier-spec';
import { LinearSvm } from '../../../../compute/classify/linear-svm';
import { evaluateFold } from '../../../../compute/evaluate';
import { confusionMatrix, metricsFromConfusion } from '../../../../compute/metrics';
import { candidateGrid } from '../../../../compute/select/candidate-grid';
import { innerSplits } from '../../../../compute/select/inner-splits';
import { fitInnerStandardisation, standardisedRows } from '../../../../compute/select/inner-standardisation';
import { selectHyperparameters } from '../../../../compute/select/select-hyperparameters';
import { selectionProtocolSchema } from '../../../../compute/select/selection-protocol';
import { planCells } from '../../../../configs/experiment-plan';
import { experimentSchema } from '../../../../configs/schema/experiment';
import { InputError } from '../../../../foundation/errors';
import { gaussianClasses } from '../../../support/synthetic-classes';

const train = gaussianClasses({ perClass: [30, 24, 27], cols: 10, separation: 1.2, seed: 21 });
const trainSpeakers = Array.from({ length: train.rows }, (_, i) => `s${i % 5}`);
const test = gaussianClasses({ perClass: [9, 9, 9], cols: 10, separation: 1.2, seed: 22 });
const isInputError = (pattern: RegExp) => (e: unknown): boolean => e instanceof InputError && pattern.test(e.message);

describe('candidate grid', () => {
  it("is scikit-learn's ParameterGrid order: parameters by name, the last varying fastest, values as written", () => {
    const spec = classifierSearchSpecSchema.parse({ kind: 'dnn', l2: { select: [0.1, 0.01] }, epochs: { select: [5, 10, 20] }, lr: 0.01 });
    const grid = candidateGrid(spec);
    assert.deepEqual(grid.map((c) => c.values), [
      { epochs: 5, l2: 0.1 }, { epochs: 5, l2: 0.01 }, { epochs: 10, l2: 0.1 }, { epochs: 10, l2: 0.01 }, { epochs: 20, l2: 0.1 }, { epochs: 20, l2: 0.01 },
    ]);
    assert.ok(grid.every((c) => c.spec.kind === 'dnn' && c.spec.lr === 0.01 && c.spec.epochs === c.values.epochs && c.spec.l2 === c.values.l2));
  });

  it('is one candidate with no values when nothing is selected', () => {
    assert.deepEqual(candidateGrid(classifierSearchSpecSchema.parse({ kind: 'svm', C: 0.5 })).map((c) => c.values), [{}]);
  });

  it("checks every value of a set with the field's own schema, naming the path", () => {
    const bad = svmSearchSpecSchema.safeParse({ kind: 'svm', C: { select: [1, 0] } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['C', 'select', 1]);
    assert.equal(svmSearchSpecSchema.safeParse({ kind: 'svm', C: { select: [] } }).success, false);
    assert.equal(svmSearchSpecSchema.safeParse({ kind: 'svm', C: { selct: [1] } }).success, false);
    assert.equal(classifierSearchSpecSchema.safeParse({ kind: 'dnn', epochs: { select: [2.5] } }).success, false);
  });
});

describe('selectHyperparameters', () => {
  const protocol = selectionProtocolSchema.parse({});

  it('scores a candidate by the unweighted mean of its inner LOSO UARs, each fitted on the inner training speakers re-standardised', async () => {
    const grid = candidateGrid(svmSearchSpecSchema.parse({ kind: 'svm', C: { select: [1e-3, 1e-2, 1] } }));
    const result = await selectHyperparameters({ real: train, speakers: trainSpeakers, candidates: grid, augmentation: { method: 'none' }, seed: 3, protocol, foldsSeed: 4 });
    assert.deepEqual(result.splits, ['speaker-s0', 'speaker-s1', 'speaker-s2', 'speaker-s3', 'speaker-s4']);
    // The same by hand, with plain linear-kernel fits (the selection fits through a shared Gram matrix).
    const expected: number[] = [];
    for (const C of [1e-3, 1e-2, 1]) {
      let sum = 0;
      for (const split of innerSplits(train, trainSpeakers, { kind: 'loso' }, { foldsSeed: 4, holdoutSeed: 4 })) {
        const z = fitInnerStandardisation(train, split.trainRows);
        const validation = standardisedRows(z, train, split.validationRows);
        const model = await new LinearSvm({ C }).fit(standardisedRows(z, train, split.trainRows), 1);
        sum += metricsFromConfusion(confusionMatrix(validation.y, model.predict(validation.x, validation.rows), 3)).uar;
        model.dispose();
      }
      expected.push(sum / 5);
    }
    assert.deepEqual(result.candidates.map((c) => c.score), expected);
    const best = expected.indexOf(Math.max(...expected));
    assert.equal(result.chosenIndex, best);
    assert.deepEqual(result.chosen, { C: [1e-3, 1e-2, 1][best] });
    assert.equal(result.validationScore, expected[best]);
  });

  it('breaks ties in favour of the first candidate in grid order', async () => {
    // Well separated classes: every C classifies every inner validation row correctly.
    const easy = gaussianClasses({ perClass: [20, 20], cols: 4, separation: 12, seed: 2 });
    const speakers = Array.from({ length: easy.rows }, (_, i) => `s${i % 4}`);
    for (const select of [[10, 1], [1, 10]]) {
      const result = await selectHyperparameters({ real: easy, speakers, candidates: candidateGrid(svmSearchSpecSchema.parse({ kind: 'svm', C: { select } })), augmentation: { method: 'none' }, seed: 3, protocol, foldsSeed: 4 });
      assert.deepEqual(result.candidates.map((c) => c.score), [1, 1]);
      assert.deepEqual(result.chosen, { C: select[0] });
    }
  });

  it('grouped k-fold inner splits: k splits of whole speakers, drawn from the folds seed', async () => {
    const grid = candidateGrid(svmSearchSpecSchema.parse({ kind: 'svm', C: { select: [1e-2, 1] } }));
    const kfold = selectionProtocolSchema.parse({ folds: { kind: 'grouped-kfold', k: 2 } });
    const a = await selectHyperparameters({ real: train, speakers: trainSpeakers, candidates: grid, augmentation: { method: 'none' }, seed: 3, protocol: kfold, foldsSeed: 4 });
    assert.deepEqual(a.splits, ['fold-1-of-2', 'fold-2-of-2']);
    const splits = innerSplits(train, trainSpeakers, kfold.folds, { foldsSeed: 4, holdoutSeed: 4 });
    for (const s of splits) assert.ok(s.validationSpeakers.every((v) => !s.trainRows.some((r) => trainSpeakers[r] === v)));
    assert.deepEqual(await selectHyperparameters({ real: train, speakers: trainSpeakers, candidates: grid, augmentation: { method: 'none' }, seed: 3, protocol: kfold, foldsSeed: 4 }), a);
  });
});

describe('evaluateFold with a selection', () => {
  it('refits the chosen values on the whole outer training fold and reports the selection', async () => {
    const r = await evaluateFold({ train, test, trainSpeakers, augmentation: { method: 'smote' }, classifier: { kind: 'svm', C: { select: [1e-3, 1e-2, 1] } }, seed: 5 });
    assert.ok(r.selection);
    assert.equal(r.selection.metric, 'uar');
    assert.deepEqual(r.selection.candidates.map((c) => c.values), [{ C: 1e-3 }, { C: 1e-2 }, { C: 1 }]);
    assert.equal(r.classifierSpec.kind === 'svm' && r.classifierSpec.C, r.selection.chosen.C);
    // The refit is an evaluation with the chosen C written in.
    const fixed = await evaluateFold({ train, test, trainSpeakers, augmentation: { method: 'smote' }, classifier: { kind: 'svm', C: r.selection.chosen.C }, seed: 5 });
    assert.deepEqual(fixed.confusion, r.confusion);
    assert.equal(fixed.selection, undefined, 'no selection without a select set');
    assert.equal(r.trainRows, train.rows);
    assert.equal(r.addedRows, r.augmentation.rowsAfter - train.rows);
  });

  it('needs the speakers of the training rows', async () => {
    await assert.rejects(evaluateFold({ train, test, augmentation: { method: 'none' }, classifier: { kind: 'svm', C: { select: [1, 2] } }, seed: 5 }), isInputError(/^trainSpeakers: .*selects C/));
    await assert.rejects(evaluateFold({ train, test, trainSpeakers: trainSpeakers.slice(1), augmentation: { method: 'none' }, classifier: { kind: 'svm' }, seed: 5 }), isInputError(/one speaker per training row/));
  });
});

describe('selection in the experiment config', () => {
  const base = {
    name: 'sel', corpus: { kind: 'emodb', path: 'wav' }, features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
    methods: ['none', 'smote'], amounts: ['balance'], classifiers: ['svm', 'dnn'],
  };

  it('a select set in a classifier block puts the inner protocol on that classifier\'s cells only', () => {
    const config = experimentSchema.parse({ ...base, svm: { C: { select: [1e-4, 1e-2, 1] } }, protocol: { selection: { folds: { kind: 'grouped-kfold', k: 3 } } } });
    const cells = planCells(config);
    assert.deepEqual(cells.find((c) => c.id === 'none/svm')?.classifierSpec, { kind: 'svm', C: { select: [1e-4, 1e-2, 1] }, tolerance: 1e-3, cacheMb: 200 });
    for (const c of cells) assert.deepEqual(c.selection, c.classifier === 'svm' ? { folds: { kind: 'grouped-kfold', k: 3 }, metric: 'uar' } : undefined, c.id);
    const defaults = planCells(experimentSchema.parse({ ...base, dnn: { l2: { select: [1e-4, 1e-2] } } }));
    assert.deepEqual(defaults.find((c) => c.id === 'none/dnn')?.selection, { folds: { kind: 'loso' }, metric: 'uar' });
  });

  it('a config without select and without protocol.selection parses as before', () => {
    const config = experimentSchema.parse(base);
    assert.equal(config.protocol.selection, undefined);
    assert.equal(config.svm.C, 1);
    assert.ok(planCells(config).every((c) => !('selection' in c)));
  });

  it('refuses a bad value in a set and a stratified inner protocol, naming the path', () => {
    const bad = experimentSchema.safeParse({ ...base, svm: { C: { select: [1, -1] } } });
    assert.deepEqual(bad.error?.issues.map((i) => i.path), [['svm', 'C', 'select', 1]]);
    const strat = experimentSchema.safeParse({ ...base, protocol: { selection: { folds: { kind: 'stratified', testFraction: 0.2 } } } });
    assert.deepEqual(strat.error?.issues.map((i) => i.path.slice(0, 3)), [['protocol', 'selection', 'folds']]);
  });
});
