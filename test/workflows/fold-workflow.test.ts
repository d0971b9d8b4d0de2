/**
 * workflows/fold.ts in Temporal's time-skipping test server, its activities faked
 * (test/support/fake-experiment.ts): which GAN trainings a fold issues (a GAN per loss and
 * repeat, or per loss when the repeats share them), which evaluations wait for them and with
 * which ganKey, what the progress query tells, and how activity failures end the fold. Seconds,
 * no tfjs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { planCells } from '../../configs/experiment-plan';
import type { ExperimentConfig } from '../../configs/schema/experiment';
import { foldProgressQuery, foldWorkflow, type FoldWorkflowInput } from '../../workflows/fold';
import {
  evaluationGanKeys, eventually, expectedGanTrainings, FAKE_ACTIVITY_NAMES, fakeActivities, fakeExperimentConfig, fakeFoldInput, fakeGanKey, gate, ganTrainingName,
  type FakeActivities,
} from '../support/fake-experiment';
import { assertFailedOnInputError, useFakeActivityWorkers } from '../support/workflow-test-env';

const workers = useFakeActivityWorkers(FAKE_ACTIVITY_NAMES);

const config = fakeExperimentConfig();
const cells = planCells(config);
const ganCells = cells.filter((c) => c.augmentation.method === 'cyclegan');
const plainCells = cells.filter((c) => c.augmentation.method !== 'cyclegan');
const repeats = config.protocol.repeats;
const trainingsPerFold = expectedGanTrainings(config).length;
const lossOf = (cellId: string): string | undefined => {
  const a = cells.find((c) => c.id === cellId)?.augmentation;
  return a?.method === 'cyclegan' ? a.loss : undefined;
};

/** Starts fold `foldIndex` of `fromConfig` (the fake experiment), its activities routed to `activities`. */
function startFold(activities: FakeActivities, foldIndex = 0, fromConfig: ExperimentConfig = config) {
  return startFoldWith(activities, fakeFoldInput(fromConfig, workers.orchestration, foldIndex));
}

/** Starts a fold workflow on `input`, its activities routed to `activities`. */
function startFoldWith(activities: FakeActivities, input: FoldWorkflowInput) {
  return workers.env.client.workflow.start(foldWorkflow, {
    taskQueue: workers.orchestration.taskQueues.orchestration, workflowId: workers.route(activities, 'fold'), args: [input],
  });
}

/** The fold's failure (the test fails if the fold completes). */
async function foldFailure(activities: FakeActivities): Promise<unknown> {
  return (await startFold(activities)).result().then(() => assert.fail('the fold should have failed'), (e: unknown) => e);
}

/** A GAN spec without what only the orchestration reads (the loss comes from the cell). */
function trainingSpec(gan: object): object {
  const { loss: _loss, shareAcrossRepeats: _share, ...rest } = gan as Record<string, unknown>;
  return rest;
}

test('the plan under test has cycle-GAN cells of both losses beside cells without a GAN, and a GAN per loss and repeat', () => {
  assert.deepEqual([...new Set(ganCells.map((c) => lossOf(c.id)))].sort(), ['ce', 'wdiv']);
  assert.ok(plainCells.length >= 2);
  assert.equal(repeats, 2);
  assert.deepEqual(expectedGanTrainings(config), ['ce#0', 'ce#1', 'wdiv#0', 'wdiv#1']);
  assert.deepEqual(expectedGanTrainings(fakeExperimentConfig({ gan: { shareAcrossRepeats: true } })), ['ce', 'wdiv']);
});

for (const [mode, modeConfig] of [
  ['a GAN per loss and repeat (the default)', config],
  ['GANs shared by the repeats: one per loss', fakeExperimentConfig({ gan: { shareAcrossRepeats: true } })],
] as const) {
  test(`a fold trains ${mode}, and evaluates every cell x repeat, a cycle-GAN cell with the GAN of its loss once it is trained`, async () => {
    const fakes = fakeActivities();
    const result = await (await startFold(fakes.activities, 1, modeConfig)).result();
    const shared = modeConfig.gan.shareAcrossRepeats;

    const trainings = fakes.calls('trainClassGans');
    assert.deepEqual(trainings.map(ganTrainingName).sort(), expectedGanTrainings(modeConfig), 'each training once');
    for (const t of trainings) {
      assert.equal(t.foldIndex, 1);
      assert.equal(t.seed, modeConfig.protocol.seed);
      assert.deepEqual(trainingSpec(t.gan), trainingSpec(modeConfig.gan), 'the config\'s GAN spec, with the loss of the cell');
    }

    const evaluations = fakes.calls('evaluate');
    assert.equal(evaluations.length, cells.length * repeats, 'cells x repeats evaluations');
    assert.deepEqual(
      evaluations.map((e) => `${e.cell.id}#${e.repeat}`).sort(),
      cells.flatMap((c) => Array.from({ length: repeats }, (_, r) => `${c.id}#${r}`)).sort(),
      'each (cell, repeat) once',
    );
    for (const e of evaluations) {
      assert.equal(e.runId, `run:${e.cell.id}`, 'logged to the cell\'s run');
      const loss = lossOf(e.cell.id);
      if (!loss) {
        assert.equal(evaluationGanKeys(e), undefined, `${e.cell.id} needs no GAN`);
        continue;
      }
      const ganRepeat = shared ? undefined : e.repeat;
      assert.deepEqual(evaluationGanKeys(e), [fakeGanKey(1, loss, ganRepeat)], `${e.cell.id}#${e.repeat} gets the GAN of its loss${shared ? '' : ' and repeat'}`);
      const trained = fakes.indexOf('trainClassGans', 'end', (t: { gan: { loss: string }; repeat?: number }) => t.gan.loss === loss && t.repeat === ganRepeat);
      const started = fakes.indexOf('evaluate', 'start', (x: { cell: { id: string }; repeat: number }) => x.cell.id === e.cell.id && x.repeat === e.repeat);
      assert.ok(trained >= 0 && started > trained, `${e.cell.id}#${e.repeat} starts after its GAN is trained`);
    }

    assert.equal(result.evaluations.length, cells.length * repeats);
    assert.deepEqual(result.gans.map((g) => g.ganKey).sort(), trainings.map((t) => fakeGanKey(1, t.gan.loss, t.repeat)).sort());
    assert.ok(result.evaluations.every((e) => cells.some((c) => c.id === e.cellId)));
  });
}

test('a shared GAN\'s training input has no repeat and no sharing flag, as before GANs per repeat (same memo key, same MLflow run); a per-repeat one adds its repeat', async () => {
  const sharedConfig = fakeExperimentConfig({ gan: { shareAcrossRepeats: true } });
  const input = fakeFoldInput(sharedConfig, workers.orchestration, 1);
  const shared = fakeActivities();
  await (await startFoldWith(shared.activities, input)).result();
  const { shareAcrossRepeats: _share, ...gan } = sharedConfig.gan;
  for (const loss of ['ce', 'wdiv'] as const) {
    assert.deepEqual(shared.calls('trainClassGans').find((t) => t.gan.loss === loss), {
      featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: 1, gan: { ...gan, loss },
      seed: input.baseSeed, experimentId: input.experimentId, parentRunId: input.parentRunId,
    }, `${loss}: no repeat, no sharing flag`);
  }

  const perRepeat = fakeActivities();
  await (await startFold(perRepeat.activities, 1)).result();
  const repeatsOf = (loss: string): (number | undefined)[] => perRepeat.calls('trainClassGans').filter((t) => t.gan.loss === loss).map((t) => t.repeat).sort();
  assert.deepEqual(repeatsOf('ce'), [0, 1]);
  assert.deepEqual(repeatsOf('wdiv'), [0, 1]);
  assert.ok(perRepeat.calls('trainClassGans').every((t) => !('shareAcrossRepeats' in t.gan)), 'the sharing flag stays in the fold');
});

test('a fold input from before gan.shareAcrossRepeats existed (an experiment in flight or resumed) keeps sharing its GANs', async () => {
  const input = fakeFoldInput(config, workers.orchestration);
  const { shareAcrossRepeats: _share, ...recordedBefore } = input.gan;
  const fakes = fakeActivities();
  const handle = await startFoldWith(fakes.activities, { ...input, gan: recordedBefore as FoldWorkflowInput['gan'] });
  const result = await handle.result();
  assert.deepEqual(fakes.calls('trainClassGans').map(ganTrainingName).sort(), ['ce', 'wdiv']);
  assert.deepEqual(result.gans.map((g) => [g.loss, g.repeat]), [['ce', undefined], ['wdiv', undefined]]);
  assert.equal((await handle.query(foldProgressQuery)).gansTotal, 2);
  for (const e of fakes.calls('evaluate')) {
    const loss = lossOf(e.cell.id);
    assert.deepEqual(evaluationGanKeys(e), loss ? [fakeGanKey(0, loss)] : undefined, `${e.cell.id}#${e.repeat}`);
  }
});

test('cells without a GAN are evaluated while the GANs still train, and the progress query tells how far the fold is', async () => {
  const gans = gate();
  const fakes = fakeActivities({
    overrides: {
      async trainClassGans(input) {
        // A long training: heartbeats as the real one does, until the test lets it finish.
        const beat = setInterval(() => Context.current().heartbeat({ epoch: 1 }), 200);
        try {
          await gans.wait();
        } finally {
          clearInterval(beat);
        }
        return { ganKey: fakeGanKey(input.foldIndex, input.gan.loss, input.repeat), epochs: 2, finalLosses: {}, resumedFromEpoch: 0, memoHit: input.gan.loss === 'ce' };
      },
    },
  });
  const handle = await startFold(fakes.activities);
  const plainEvaluations = plainCells.length * repeats;
  try {
    const during = await eventually(() => handle.query(foldProgressQuery), (p) => p.evaluationsDone === plainEvaluations);
    assert.deepEqual(during, { gansDone: 0, gansTotal: trainingsPerFold, evaluationsDone: plainEvaluations, evaluationsTotal: cells.length * repeats, memoHits: 0 });
    assert.equal(fakes.calls('trainClassGans').length, trainingsPerFold, 'every training runs at once');
    assert.ok(fakes.calls('evaluate').every((e) => !lossOf(e.cell.id)), 'no cycle-GAN evaluation before its GAN');
  } finally {
    gans.open();
  }
  const result = await handle.result();
  assert.equal(result.evaluations.length, cells.length * repeats);
  assert.deepEqual(await handle.query(foldProgressQuery), {
    gansDone: trainingsPerFold, gansTotal: trainingsPerFold, evaluationsDone: cells.length * repeats, evaluationsTotal: cells.length * repeats,
    memoHits: trainingsPerFold / 2,
  });
});

test('a non-retryable InputError from an evaluation fails the fold without a retry', async () => {
  const failing = ganCells[0]?.id;
  const fakes = fakeActivities({
    overrides: {
      async evaluate(input) {
        if (input.cell.id === failing && input.repeat === 1) {
          throw ApplicationFailure.create({ type: 'InputError', message: 'fold-test: a bad cell', nonRetryable: true });
        }
        return { fold: 'speaker-s0', repeat: input.repeat, wa: 1, uar: 1, confusion: [[1]], addedPerClass: {}, trainRows: 1, testRows: 1, warnings: [], memoHit: false };
      },
    },
  });
  assert.equal(assertFailedOnInputError(await foldFailure(fakes.activities), 'evaluate').message, 'fold-test: a bad cell');
  assert.equal(fakes.calls('evaluate').filter((e) => e.cell.id === failing && e.repeat === 1).length, 1, 'not retried');
});

test('an InputError is not retried even when the activity forgot to mark it non-retryable: the retry policy names the type', async () => {
  const fakes = fakeActivities({
    overrides: {
      async trainClassGans() {
        throw ApplicationFailure.create({ type: 'InputError', message: 'fold-test: a class has one row', nonRetryable: false });
      },
    },
  });
  const err = await foldFailure(fakes.activities);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure, String(err));
  assert.equal(err.cause.activityType, 'trainClassGanGroup', 'the repeats of a loss train as one group');
  assert.equal(fakes.calls('trainClassGans').length, trainingsPerFold, 'one attempt per training, no retry');
  assert.ok(fakes.calls('evaluate').every((e) => !lossOf(e.cell.id)), 'no cycle-GAN evaluation without its GAN');
});

test('an evaluation that fails with a retryable error is retried and the fold completes', async () => {
  const flaky = plainCells[0]?.id;
  const attempts: number[] = [];
  const fakes = fakeActivities({
    overrides: {
      async evaluate(input) {
        if (input.cell.id === flaky && input.repeat === 0) {
          attempts.push(Context.current().info.attempt);
          if (attempts.length === 1) throw new Error('fold-test: the worker lost its store for a moment');
        }
        return { fold: 'speaker-s0', repeat: input.repeat, wa: 1, uar: 1, confusion: [[1]], addedPerClass: {}, trainRows: 1, testRows: 1, warnings: [], memoHit: false };
      },
    },
  });
  const result = await (await startFold(fakes.activities)).result();
  assert.deepEqual(attempts, [1, 2]);
  assert.equal(result.evaluations.length, cells.length * repeats);
});

test('a fold trains one GAN per fit set its plan lists (a fit set\'s repeats as one group), and hands each cycle-GAN evaluation every model of its loss and repeat, none of another repeat', async () => {
  // What table1.yaml plans: every speaker (the SVM refit), and per repeat the speakers left after its hold-out.
  const fakes = fakeActivities({ fitSets: (n) => [{ repeats: Array.from({ length: n }, (_, r) => r) }, ...Array.from({ length: n }, (_, r) => ({ fitSpeakers: [`s${r + 2}`, `s${r + 3}`], repeats: [r] }))] });
  const handle = await startFold(fakes.activities, 1);
  const result = await handle.result();
  assert.equal(fakes.calls('planFoldModels').length, 1);
  const trainings = fakes.calls('trainClassGans').map((t) => fakeGanKey(t.foldIndex, t.gan.loss, t.repeat, t.fitSpeakers)).sort();
  const expected = ['ce', 'wdiv'].flatMap((loss) => [0, 1].flatMap((r) => [fakeGanKey(1, loss, r), fakeGanKey(1, loss, r, [`s${r + 2}`, `s${r + 3}`])])).sort();
  assert.deepEqual(trainings, expected, 'per loss: every speaker per repeat, and each repeat\'s own fit set');
  assert.equal(fakes.calls('trainClassGanGroup').length, 2, 'per loss, the repeats of the every-speaker fit set as one group; the others alone');
  for (const e of fakes.calls('evaluate')) {
    const loss = lossOf(e.cell.id);
    if (!loss) continue;
    assert.deepEqual(evaluationGanKeys(e)?.sort(), [fakeGanKey(1, loss, e.repeat), fakeGanKey(1, loss, e.repeat, [`s${e.repeat + 2}`, `s${e.repeat + 3}`])].sort(), `${e.cell.id}#${e.repeat}`);
  }
  assert.equal((await handle.query(foldProgressQuery)).gansTotal, 8);
  assert.deepEqual(result.gans.filter((g) => g.fitSpeakers).map((g) => `${g.loss}#${g.repeat}@${g.fitSpeakers?.join('+')}`).sort(), ['ce#0@s2+s3', 'ce#1@s3+s4', 'wdiv#0@s2+s3', 'wdiv#1@s3+s4']);
});
