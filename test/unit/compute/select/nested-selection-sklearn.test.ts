/**
 * Model selection (compute/select) against scikit-learn, on the project's own eGeMAPSv02
 * features of EMO-DB (five classes, 408 utterances, extracted here with compute/features and the
 * venv's SMILExtract, exported as bench/prepare-feature-tables.ts writes them) and its own
 * leave-one-speaker-out folds: per outer fold, scikit-learn's GridSearchCV(Pipeline(
 * StandardScaler(), SVC(kernel='linear')), C in [1e-4 .. 1], cv=LeaveOneGroupOut() over the
 * training speakers, scoring='balanced_accuracy') (test/reference/nested_selection_reference.py)
 * against evaluateFold with `C: { select: [...] }`. Checked: the same C in every outer fold, pooled
 * UAR within 0.5 points. All 10 outer folds: about 40 s here (extraction included), well inside
 * the test budget. Skipped when the corpus, SMILExtract or the Python venv is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readEmodbCorpus } from '../../../../compute/corpus/emodb';
import { evaluateFold } from '../../../../compute/evaluate';
import type { FeatureMatrix } from '../../../../compute/features/feature-matrix';
import { extractFeatures } from '../../../../compute/features/opensmile';
import { foldSets } from '../../../../compute/folds/fold-sets';
import { leaveOneSpeakerOut } from '../../../../compute/folds/leave-one-speaker-out';
import { metricsFromConfusion, sumConfusionMatrices, type ConfusionMatrix } from '../../../../compute/metrics';
import { deriveSeed } from '../../../../compute/random';
import { pythonBin, smileExtract } from '../../../../infra/paths';

const WAV = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'emodb', 'wav');
const REFERENCE = join(__dirname, '..', '..', '..', 'reference', 'nested_selection_reference.py');
const GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1];
/** scikit-learn's label order (sorted), so that libsvm's one-vs-one vote breaks ties alike. */
const CLASSES = ['anger', 'fear', 'happiness', 'neutral', 'sadness'];

function smileOrNull(): ReturnType<typeof smileExtract> | null {
  try {
    return smileExtract();
  } catch {
    return null;
  }
}

const smile = smileOrNull();
const skip = !existsSync(WAV) ? `no corpus at ${WAV}` : !smile ? 'no SMILExtract in the venv' : !existsSync(pythonBin()) ? `no ${pythonBin()}` : false;

interface Reference {
  folds: { speaker: string; C: number; validationScore: number; scores: number[] }[];
  uar: number;
  wa: number;
}

function featureTable(matrix: FeatureMatrix): string {
  const lines = [['file', 'speaker', 'label', ...matrix.columns].join('\t')];
  for (let r = 0; r < matrix.rows; r++) {
    const m = matrix.meta[r];
    lines.push([m?.file, m?.speaker, m?.label, ...Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols))].join('\t'));
  }
  return lines.join('\n') + '\n';
}

describe('model selection against scikit-learn', () => {
  it('chooses the C of GridSearchCV(LeaveOneGroupOut) in every outer LOSO fold, pooled UAR within 0.5 points (eGeMAPSv02, 10 folds)', { skip, timeout: 600_000 }, async (t) => {
    const entries = await readEmodbCorpus(WAV);
    const { matrix } = await extractFeatures(entries, { featureSet: 'eGeMAPSv02', smile: smile as NonNullable<typeof smile> });
    assert.equal(matrix.rows, 408);
    const dir = mkdtempSync(join(tmpdir(), 'serflow-selection-'));
    try {
      const tsv = join(dir, 'eGeMAPSv02.tsv');
      writeFileSync(tsv, featureTable(matrix));
      const t0 = performance.now();
      const ref = JSON.parse(execFileSync(pythonBin(), [REFERENCE, tsv, GRID.join(',')], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Reference;
      const sklearnSeconds = (performance.now() - t0) / 1000;

      const t1 = performance.now();
      const confusions: ConfusionMatrix[] = [];
      const ours: { speaker: string; C: number; validationScore: number; scores: number[] }[] = [];
      for (const fold of leaveOneSpeakerOut(matrix.meta)) {
        const { train, test, trainSpeakers } = foldSets(matrix, fold, CLASSES);
        const r = await evaluateFold({
          train, test, trainSpeakers, augmentation: { method: 'none' }, classifier: { kind: 'svm', C: { select: GRID } },
          seed: deriveSeed(1, 'evaluation', fold.name, 0), selection: { folds: { kind: 'loso' }, metric: 'uar' },
        });
        assert.ok(r.selection, 'a selection result');
        assert.equal(r.classifierSpec.kind === 'svm' && r.classifierSpec.C, r.selection.chosen.C, 'the refit uses the chosen C');
        ours.push({ speaker: fold.testSpeakers[0] as string, C: r.selection.chosen.C as number, validationScore: r.selection.validationScore, scores: r.selection.candidates.map((c) => c.score) });
        confusions.push(r.confusion);
      }
      const oursSeconds = (performance.now() - t1) / 1000;
      const uar = metricsFromConfusion(sumConfusionMatrices(confusions)).uar;

      const maxScoreGap = Math.max(...ours.flatMap((o, i) => o.scores.map((s, j) => Math.abs(s - (ref.folds[i]?.scores[j] as number)))));
      t.diagnostic(`chosen C per fold (speaker: ours / scikit-learn): ${ours.map((o, i) => `${o.speaker}: ${o.C} / ${ref.folds[i]?.C}`).join(', ')}`);
      t.diagnostic(`pooled UAR ${(100 * uar).toFixed(2)} % vs scikit-learn ${(100 * ref.uar).toFixed(2)} %; largest gap of a mean inner score ${(100 * maxScoreGap).toFixed(3)} points`);
      t.diagnostic(`time: ours ${oursSeconds.toFixed(1)} s, scikit-learn ${sklearnSeconds.toFixed(1)} s`);
      assert.deepEqual(ours.map((o) => o.speaker), ref.folds.map((f) => f.speaker), 'the same outer folds in the same order');
      assert.deepEqual(ours.map((o) => o.C), ref.folds.map((f) => f.C), 'the same C in every outer fold');
      assert.ok(Math.abs(uar - ref.uar) <= 0.005, `pooled UAR ${uar} vs scikit-learn ${ref.uar}`);
      // Stronger than the choice alone (one C may win everywhere): every candidate's mean inner score agrees.
      assert.ok(maxScoreGap <= 0.005, `a candidate's mean inner score differs from scikit-learn's by ${maxScoreGap}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

