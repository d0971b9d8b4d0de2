/**
 * Leakage tests of trained augmenters (compute/fold-models): every model an evaluation augments
 * with was fitted on, and draws its sources from, only the rows that use augments. For each use
 * (the refit, every inner split of a selection, with and without an early-stopping hold-out) the
 * speakers asked for are checked against that use's scored and stopping speakers, computed here
 * independently of the code under test; the plan of a fold (fitSetsOfEvaluation) must list exactly
 * what the evaluation asks for; and the guard at the seam refuses a model that has seen more.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AugmentationSpecInput } from '../../../../compute/augment/augmentation-spec';
import type { ClassifierSpecInput } from '../../../../compute/classify/classifier-spec';
import { evaluateFold } from '../../../../compute/evaluate';
import { fitSetsOfEvaluation } from '../../../../compute/evaluate/fit-sets-of-evaluation';
import { FitSetLeakError } from '../../../../compute/fold-models/fit-set-guard';
import { fitSetRows } from '../../../../compute/fold-models/fit-sets';
import { FITTED_KINDS } from '../../../../compute/fold-models/fitted-kinds';
import { selectRows } from '../../../../compute/labelled-set';
import { speakerHoldout } from '../../../../compute/folds/speaker-holdout';
import { deriveSeed } from '../../../../compute/random';
import { innerSplits } from '../../../../compute/select/inner-splits';
import type { SelectionProtocolInput } from '../../../../compute/select/selection-protocol';
import { classMeanFoldModels } from '../../../support/fold-models';
import { gaussianClasses } from '../../../support/synthetic-classes';

/** Eight speakers who each speak every class, and a test fold. */
const train = gaussianClasses({ perClass: [40, 32, 32], cols: 6, separation: 1.5, seed: 21 });
const trainSpeakers = Array.from({ length: train.rows }, (_, i) => `s${i % 8}`);
const test = gaussianClasses({ perClass: [8, 8, 8], cols: 6, separation: 1.5, seed: 22 });
const seed = 31;
const selectionSeed = 32;
const cyclegan: AugmentationSpecInput = { method: 'cyclegan', loss: 'wdiv', amount: { mode: 'ratio', ratio: 0.5 } };
const earlyStopping = { validationFraction: 0.2, patience: 1 };

interface Case {
  name: string;
  classifier: ClassifierSpecInput;
  selection?: SelectionProtocolInput;
}
const cases: Case[] = [
  { name: 'SVM, nothing selected', classifier: { kind: 'svm' } },
  { name: 'SVM C by inner leave-one-speaker-out', classifier: { kind: 'svm', C: { select: [1e-2, 1] } }, selection: { folds: { kind: 'loso' } } },
  { name: 'SVM C by inner grouped 3-fold', classifier: { kind: 'svm', C: { select: [1e-2, 1] } }, selection: { folds: { kind: 'grouped-kfold', k: 3 } } },
  { name: 'SVM C by an inner speaker hold-out', classifier: { kind: 'svm', C: { select: [1e-2, 1] } }, selection: { folds: { kind: 'speaker-holdout', fraction: 0.2 } } },
  { name: 'DNN early-stopping', classifier: { kind: 'dnn', hidden: [4], epochs: 2, earlyStopping } },
  { name: 'DNN early-stopping, l2 by inner grouped 2-fold', classifier: { kind: 'dnn', hidden: [4], epochs: 2, l2: { select: [1e-4, 1e-2] }, earlyStopping }, selection: { folds: { kind: 'grouped-kfold', k: 2 } } },
];

/** The speakers each use scores or stops on, derived here from the protocol's definitions. */
function excludedSpeakers(c: Case): { refit: string[]; inner: string[][] } {
  const es = c.classifier.kind === 'dnn' ? c.classifier.earlyStopping : undefined;
  const holdout = (speakers: string[], s: number): string[] => (es ? speakerHoldout(speakers, es.validationFraction as number, deriveSeed(s, 'early-stopping')).validationSpeakers : []);
  const refit = holdout(trainSpeakers, seed);
  if (!c.selection) return { refit, inner: [] };
  const folds = c.selection.folds ?? { kind: 'loso' as const };
  const splits = innerSplits(train, trainSpeakers, folds, { foldsSeed: selectionSeed, holdoutSeed: deriveSeed(seed, 'early-stopping') });
  return {
    refit,
    inner: splits.map((split) => [...split.validationSpeakers, ...holdout(split.trainRows.map((r) => trainSpeakers[r] as string), deriveSeed(seed, 'selection', split.name))]),
  };
}

describe('trained augmenters see only the rows they augment', () => {
  for (const c of cases) {
    it(`no model an evaluation uses has seen a scored or stopping speaker of that use (${c.name})`, async () => {
      const models = classMeanFoldModels(train, trainSpeakers);
      await evaluateFold({ train, test, trainSpeakers, augmentation: cyclegan, classifier: c.classifier, seed, foldModels: models, ...(c.selection ? { selection: c.selection, selectionSeed, validate: true } : {}) });
      const excluded = excludedSpeakers(c);
      const uses = [...excluded.inner, excluded.refit];
      // Selection asks for one model per inner split, in order, then the refit asks for its own.
      assert.equal(models.requests.length, uses.length, 'one request per use');
      models.requests.forEach((asked, i) => {
        const banned = uses[i] as string[];
        assert.deepEqual(asked.filter((s) => banned.includes(s)), [], `use ${i} asked for a model fitted on ${asked.join(', ')}, which includes scored or stopping speakers ${banned.join(', ')}`);
        const all = [...new Set(trainSpeakers)].sort();
        assert.deepEqual([...asked, ...banned].sort(), all, `use ${i}: the model is fitted on every speaker the use augments`);
      });
      const planned = fitSetsOfEvaluation({ train, trainSpeakers, augmentation: cyclegan, classifier: c.classifier, seed, ...(c.selection ? { selection: c.selection, selectionSeed, validate: true } : {}) });
      const distinct = [...new Map(models.requests.map((r) => [r.join('+'), r])).values()];
      assert.deepEqual(planned.map((p) => p.speakers).sort(), distinct.sort(), 'the plan lists exactly the fit sets the evaluation asks for');
    });
  }

  it('the SVM speaker-holdout split and the DNN early-stopping refit of a fold and repeat ask for the same fit set', () => {
    const svm = fitSetsOfEvaluation({ train, trainSpeakers, augmentation: cyclegan, classifier: { kind: 'svm', C: { select: [1] } }, seed, selection: { folds: { kind: 'speaker-holdout', fraction: 0.2 } }, selectionSeed, validate: true });
    const dnn = fitSetsOfEvaluation({ train, trainSpeakers, augmentation: cyclegan, classifier: { kind: 'dnn', earlyStopping }, seed });
    assert.deepEqual(svm.map((p) => p.use), ['refit', `inner split ${svm[1]?.use.replace('inner split ', '')}`]);
    assert.deepEqual(svm[1]?.speakers, dnn[0]?.speakers);
    assert.equal(svm[0]?.speakers.length, 8, 'the SVM refit augments every speaker');
  });

  it('methods that train nothing plan nothing', () => {
    assert.deepEqual(fitSetsOfEvaluation({ train, trainSpeakers, augmentation: { method: 'smote' }, classifier: { kind: 'dnn', earlyStopping }, seed }), []);
  });
});

describe('the guard at the seam', () => {
  it('refuses a model that has seen every outer-training row (the GANs of a fold before fit sets), naming the stray speaker', async () => {
    const models = classMeanFoldModels(train, trainSpeakers, { seen: 'every-row' });
    await assert.rejects(
      evaluateFold({ train, test, trainSpeakers, augmentation: cyclegan, classifier: { kind: 'svm', C: { select: [1e-2, 1] } }, seed, foldModels: models, selection: { folds: { kind: 'loso' } }, selectionSeed, validate: true }),
      (e: unknown) => e instanceof FitSetLeakError && /inner split speaker-s0: the model has seen a row of speaker s0, whose rows it does not augment/.test(e.message),
    );
  });

  it('accepts such a model where the use augments every outer-training row', async () => {
    const models = classMeanFoldModels(train, trainSpeakers, { seen: 'every-row' });
    await evaluateFold({ train, test, trainSpeakers, augmentation: cyclegan, classifier: { kind: 'svm' }, seed, foldModels: models });
    assert.equal(models.requests.length, 1);
  });

  it('refuses a model with rows that are not the fold\'s at all', async () => {
    const other = gaussianClasses({ perClass: [4, 4, 4], cols: 6, seed: 99 });
    const models = { fittedOn: () => ({ generate: () => { throw new Error('not reached'); }, seenRows: () => other }) };
    await assert.rejects(
      evaluateFold({ train, test, trainSpeakers, augmentation: cyclegan, classifier: { kind: 'svm' }, seed, foldModels: models }),
      (e: unknown) => e instanceof FitSetLeakError && /the refit: the model has seen a row that is not among the rows it augments/.test(e.message),
    );
  });
});

describe('the Gaussian-mixture augmenter through the same seam', () => {
  it('is fitted per fit set, restored from its bytes, and passes the guard only on the rows it augments', async () => {
    const kind = FITTED_KINDS.gmm;
    const requests: string[][] = [];
    const foldModels = {
      fittedOn(speakers: readonly string[]) {
        requests.push([...speakers]);
        return kind.restore(kind.fit(selectRows(train, fitSetRows(trainSpeakers, speakers)), { components: 1 }, 5));
      },
    };
    const gmm: AugmentationSpecInput = { method: 'gmm', amount: { mode: 'ratio', ratio: 0.5 }, components: 1 };
    const r = await evaluateFold({ train, test, trainSpeakers, augmentation: gmm, classifier: { kind: 'dnn', hidden: [4], epochs: 2, earlyStopping }, seed, foldModels });
    assert.equal(r.augmentation.method, 'gmm');
    assert.ok(r.addedRows > 0);
    assert.deepEqual(requests, [planFor(gmm)[0]?.speakers], 'one model, fitted on the speakers left after the early-stopping hold-out');
    const everyRow = { fittedOn: () => kind.restore(kind.fit(train, { components: 1 }, 5)) };
    await assert.rejects(
      evaluateFold({ train, test, trainSpeakers, augmentation: gmm, classifier: { kind: 'dnn', hidden: [4], epochs: 2, earlyStopping }, seed, foldModels: everyRow }),
      (e: unknown) => e instanceof FitSetLeakError && /the refit: the model has seen a row of speaker s\d/.test(e.message),
    );
  });
});

function planFor(augmentation: AugmentationSpecInput) {
  return fitSetsOfEvaluation({ train, trainSpeakers, augmentation, classifier: { kind: 'dnn', earlyStopping }, seed });
}
