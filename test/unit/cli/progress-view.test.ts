/**
 * What `serflow run` shows while it runs (cli/display/progress-view.ts): the GAN trainings' epochs and
 * losses per running fold, evaluations, and an ETA from the observed rates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detailLines, EtaEstimator, oneLine, summaryLine, type ProgressSnapshot } from '../../../cli/display/progress-view';

function snapshot(evaluations: number, epoch: number): ProgressSnapshot {
  return {
    id: 'experiment-quick-1', phase: 'evaluating', unit: 'evaluations', done: evaluations, total: 40, memoHits: 0, foldsDone: 0, foldsTotal: 2,
    folds: [{
      id: 'experiment-quick-1/fold-0', gansDone: 0, gansTotal: 1, evaluationsDone: evaluations, evaluationsTotal: 20,
      training: [{ loss: 'wdiv', epoch, epochsTotal: 45, losses: { g: 0.81234, f: 0.79, dT: 0.5, gp: 3 } }],
    }],
    experiments: [],
  };
}

test('a running fold shows its GAN epoch of all, the losses and its evaluations', () => {
  const s = snapshot(4, 12);
  assert.match(summaryLine(s), /\] 10% 4\/40 evaluations · folds 0\/2 · GANs 0\/~2 · phase evaluating · memo hits 0$/);
  assert.deepEqual(detailLines(s), ['  fold-0: GAN wdiv epoch 12/45 (g 0.812 f 0.790 dT 0.500) · evaluations 4/20']);
  const line = oneLine(s, 125_000, 200);
  assert.match(line, /ETA ~2m \| fold-0: GAN wdiv epoch 12\/45/);
  assert.ok(oneLine(s, undefined, 40).length <= 40);
});

test('the ETA is the later of the evaluations\' and the GAN epochs\' estimates, once there is progress to go by', () => {
  const eta = new EtaEstimator();
  assert.equal(eta.observe(snapshot(0, 0), 0), undefined);
  assert.equal(eta.observe(snapshot(0, 0), 5_000), undefined, 'too early');
  assert.equal(eta.observe(snapshot(0, 0), 20_000), undefined, 'no progress yet');
  // 20 s: 4 of 40 evaluations (180 s left at that rate); 9 of 90 GAN epochs (180 s left too).
  assert.equal(eta.observe(snapshot(4, 9), 20_000), 180_000);
  // 40 s: evaluations 8/40 (160 s left); GAN epochs 27/90 (about 93 s left): the later wins.
  assert.equal(eta.observe(snapshot(8, 27), 40_000), 160_000);
  assert.equal(new EtaEstimator().observe({ ...snapshot(0, 0), total: 0, foldsTotal: 0 }, 0), undefined);
});

test('GAN trainings count each fold\'s own plan: exact once every fold has started, estimated (~) before, never done > total', () => {
  // quick.yaml's case: folds plan 8, 8, 6 and 8 trainings (their fit sets depend on their speakers).
  const fold = (i: number, done: number, total: number) => ({ id: `e/fold-${i}`, gansDone: done, gansTotal: total, evaluationsDone: 0, evaluationsTotal: 66, training: [] });
  const base = { ...snapshot(0, 0), foldsTotal: 4 };
  const early = { ...base, foldsDone: 0, gansOfFinishedFolds: 0, folds: [fold(0, 3, 8), fold(1, 2, 8)] };
  assert.match(summaryLine(early), /GANs 5\/~32 /, 'two of four folds known: the others counted as their mean');
  const late = { ...base, foldsDone: 2, gansOfFinishedFolds: 16, folds: [fold(2, 6, 6), fold(3, 4, 8)] };
  assert.match(summaryLine(late), /GANs 26\/30 /, 'every fold started: the exact total, and 26 done of it');
});
