/**
 * `serflow run --plan`'s numbers (cli/plan/run-plan.ts) on configs/table1.yaml read against the real
 * EMO-DB file names (no audio is read): its folds, evaluations and GAN trainings, with the
 * config's speaker hold-out selection and with inner leave-one-speaker-out instead; and the
 * estimate's arithmetic (cli/plan/plan-calibration.ts) on a calibration given by hand.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { estimate, type Calibration } from '../../../cli/plan/plan-calibration';
import { planRun, planTotals, type RunPlan } from '../../../cli/plan/run-plan';
import { emodbWav } from '../../support/emodb-subset';
import { useScratchFolder } from '../../support/scratch-folder';

const scratch = useScratchFolder('serflow-run-plan-');
const table1 = resolve(__dirname, '..', '..', '..', 'configs', 'table1.yaml');
const noCorpus = existsSync(emodbWav) ? false : `no EMO-DB at ${emodbWav}`;

interface Table1Yaml {
  corpus: { path: string };
  protocol: { selection: { folds: object } };
}

/** table1.yaml with the corpus at its absolute path and `edit` applied. */
function table1With(name: string, edit: (config: Table1Yaml) => void): string {
  const config = parse(readFileSync(table1, 'utf8')) as Table1Yaml;
  config.corpus.path = emodbWav;
  edit(config);
  const file = join(scratch.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Per (fold, loss): the planned models' fit sets ('all' or the speakers left out) and repeats. */
function modelsPerFoldAndLoss(plan: RunPlan): Map<string, { left: string; repeats: number[] }[]> {
  const out = new Map<string, { left: string; repeats: number[] }[]>();
  for (const fold of plan.folds) {
    for (const m of fold.models) {
      const key = `${fold.name}/${m.loss}`;
      const left = m.fitSpeakers ? fold.trainSpeakers.filter((s) => !m.fitSpeakers?.includes(s)).join('+') : 'all';
      out.set(key, [...(out.get(key) ?? []), { left, repeats: m.repeats }]);
    }
  }
  return out;
}

test('table1.yaml (speaker hold-out selection) plans per fold and loss one every-speaker GAN for the 3 repeats and one per repeat: 120 trainings', { skip: noCorpus }, async () => {
  const plan = await planRun(table1With('table1', () => {}));
  const totals = planTotals(plan);
  assert.equal(totals.folds, 10);
  assert.equal(totals.cells, 16);
  assert.equal(totals.evaluations, 10 * 16 * 3);
  assert.equal(plan.dim, 988);
  const perFoldAndLoss = modelsPerFoldAndLoss(plan);
  assert.equal(perFoldAndLoss.size, 10 * 2);
  for (const [key, models] of perFoldAndLoss) {
    assert.deepEqual(models[0], { left: 'all', repeats: [0, 1, 2] }, key);
    // The held-out sets: each leaves out one speaker; two repeats may draw the same one (then one model, trained as a group).
    const heldOut = models.slice(1);
    assert.ok(heldOut.every((m) => m.left !== 'all' && !m.left.includes('+')), `${key}: ${JSON.stringify(heldOut)}`);
    assert.deepEqual(heldOut.flatMap((m) => m.repeats).sort(), [0, 1, 2], key);
  }
  // One training per (model, repeat): 10 folds x 2 losses x (3 + 3).
  assert.equal(totals.ganTrainings.total, 120);
  assert.equal(totals.ganTrainings.perLoss.ce?.total, 60);
  assert.equal(totals.ganTrainings.inGroups + totals.ganTrainings.alone, 120);
  assert.equal(totals.ganEpochs, 120 * (3 + 12));
  assert.deepEqual(totals.selection.map((s) => [s.cells.length, s.protocol?.folds, s.fields, s.innerSplits]), [
    [8, { kind: 'speaker-holdout', fraction: 0.1 }, { C: [0.0001, 0.001, 0.01, 0.1, 1] }, [1, 1]],
  ]);
});

test('table1.yaml with inner leave-one-speaker-out plans 10 folds x 2 losses x (1 + 9 inner) GANs, each for the 3 repeats as one group', { skip: noCorpus }, async () => {
  const plan = await planRun(table1With('table1-loso', (c) => { c.protocol.selection.folds = { kind: 'loso' }; }));
  const totals = planTotals(plan);
  const perFoldAndLoss = modelsPerFoldAndLoss(plan);
  for (const [key, models] of perFoldAndLoss) {
    // The DNN's early-stopping sets leave out one speaker too: each is one of the nine inner splits' sets.
    assert.equal(models.length, 10, key);
    assert.equal(models[0]?.left, 'all');
    assert.equal(new Set(models.slice(1).map((m) => m.left)).size, 9, key);
    assert.ok(models.every((m) => m.repeats.join() === '0,1,2'), key);
  }
  assert.equal(totals.ganTrainings.total, 10 * 2 * 10 * 3);
  assert.equal(totals.ganTrainings.alone, 0);
  assert.equal(totals.ganTrainings.groupActivities, 10 * 2 * 10);
  assert.deepEqual(totals.selection[0]?.innerSplits, [9, 9]);
});

test('the estimate adds up each GAN activity, SVM fit and DNN epoch at the calibrated rates and divides by the workers', { skip: noCorpus }, async () => {
  const plan = await planRun(table1With('table1-estimate', () => {}));
  const calibration: Calibration = {
    dim: 988, rows: 100, threads: '1', tookMs: 0, load: 0,
    gan: [
      { members: 1, batch: 55, createMs: 1000, pretrainIterationMs: 10, adversarialIterationMs: 100, iterationsTimed: 3 },
      { members: 2, batch: 55, createMs: 1500, pretrainIterationMs: 15, adversarialIterationMs: 150, iterationsTimed: 0 },
      { members: 3, batch: 55, createMs: 2000, pretrainIterationMs: 20, adversarialIterationMs: 200, iterationsTimed: 3 },
    ],
    svm: { gridMs: 50, oneMs: 20, candidates: 5 },
    dnn: { epochMs: 10 },
  };
  const e = estimate(plan, calibration, 2);
  let gan = 0;
  for (const g of plan.folds.flatMap((f) => f.gans)) {
    const t = calibration.gan[g.members - 1] as Calibration['gan'][number];
    gan += t.createMs + g.iterationsPerEpoch * (3 * (t.pretrainIterationMs as number) + 12 * t.adversarialIterationMs);
  }
  assert.ok(Math.abs(e.ganMs - gan) < 1e-6);
  const svm = plan.fits.filter((f) => f.classifier === 'svm').reduce((s, f) => s + (f.candidates > 1 ? 50 : 20) * (f.rows / 100) ** 2, 0);
  const dnnRows = plan.fits.filter((f) => f.classifier === 'dnn').reduce((s, f) => s + f.rows / 100, 0);
  assert.ok(Math.abs(e.svmMs - svm) < 1e-6);
  assert.ok(Math.abs(e.dnnMs - 60 * 10 * dnnRows) < 1e-6, 'the DNN at its 60-epoch budget');
  assert.ok(Math.abs(e.dnnMinMs - 9 * 10 * dnnRows) < 1e-6, 'and at patience 8 + 1 epochs');
  assert.equal(e.wallMs, (gan + svm + e.dnnMs) / 2);
});
