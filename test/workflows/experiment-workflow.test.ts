/**
 * workflows/experiment.ts with its fold child workflows in Temporal's time-skipping test server,
 * every activity faked (test/support/fake-experiment.ts): the sequence of activities, one fold
 * workflow per fold each training its GANs once, the evaluation count, the progress
 * query through the phases, and failures that end the experiment. Seconds, no tfjs, no MLflow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { planCells } from '../../configs/experiment-plan';
import { experimentProgressQuery, experimentWorkflow, type ExperimentWorkflowInput } from '../../workflows/experiment';
import {
  evaluationGanKeys, eventually, expectedGanTrainings, FAKE_ACTIVITY_NAMES, fakeActivities, fakeExperimentConfig, fakeGanKey, gate, ganTrainingName, type FakeActivities,
} from '../support/fake-experiment';
import { assertFailedOnInputError, useFakeActivityWorkers } from '../support/workflow-test-env';

const workers = useFakeActivityWorkers(FAKE_ACTIVITY_NAMES);

const config = fakeExperimentConfig();
const cells = planCells(config);
const folds = 2;
const repeats = config.protocol.repeats;
const evaluationsTotal = folds * cells.length * repeats;
/** Per fold: a GAN per loss and repeat (the config's default). */
const trainingsPerFold = expectedGanTrainings(config);

/** Starts the fake experiment, its activities (and its folds') routed to `activities`. */
function start(activities: FakeActivities) {
  const input: ExperimentWorkflowInput = { config, configHash: 'config:fake', configDir: '/nowhere', mlflowExperiment: 'serflow-fake', orchestration: workers.orchestration };
  return workers.env.client.workflow.start(experimentWorkflow, {
    taskQueue: workers.orchestration.taskQueues.orchestration, workflowId: workers.route(activities, 'experiment'), args: [input],
  });
}

/** The experiment's failure (the test fails if it completes). */
async function experimentFailure(activities: FakeActivities): Promise<unknown> {
  return (await start(activities)).result().then(() => assert.fail('the experiment should have failed'), (e: unknown) => e);
}

test('an experiment runs one fold workflow per fold, each training its GANs once, and summarises every evaluation', async () => {
  const fakes = fakeActivities({ folds });
  const handle = await start(fakes.activities);
  const result = await handle.result();

  const order = fakes.events.filter((e) => e.phase === 'start').map((e) => e.activity);
  assert.deepEqual(order.slice(0, 3), ['openExperiment', 'extractFeatures', 'prepareFolds']);
  assert.equal(order.at(-1), 'finishExperiment');
  assert.deepEqual(fakes.calls('openExperiment')[0]?.cells, cells, 'the runs are opened for the planned cells');

  const trainings = fakes.calls('trainClassGans').map((t) => `${t.foldIndex}:${ganTrainingName(t)}`).sort();
  assert.deepEqual(trainings, [0, 1].flatMap((f) => trainingsPerFold.map((t) => `${f}:${t}`)).sort(), 'each fold trains its GANs once');
  const evaluations = fakes.calls('evaluate');
  assert.equal(evaluations.length, evaluationsTotal, 'folds x cells x repeats');
  for (const e of evaluations) {
    const a = e.cell.augmentation;
    assert.deepEqual(evaluationGanKeys(e), a.method === 'cyclegan' ? [fakeGanKey(e.foldIndex, a.loss, e.repeat)] : undefined, `${e.cell.id}#${e.repeat} in fold ${e.foldIndex}`);
  }

  for (const foldIndex of [0, 1]) {
    const child = await workers.env.client.workflow.getHandle(`${handle.workflowId}/fold-${foldIndex}`).describe();
    assert.equal(child.type, 'foldWorkflow');
    assert.equal(child.status.name, 'COMPLETED');
  }

  const finish = fakes.calls('finishExperiment')[0];
  assert.equal(finish?.evaluations.length, evaluationsTotal);
  assert.deepEqual(finish?.memo, { hits: 0, total: 1 + evaluationsTotal + folds * trainingsPerFold.length }, 'features + evaluations + GAN trainings were looked up');
  assert.equal(result.folds, folds);
  assert.equal(result.evaluations, evaluationsTotal);
  assert.equal(result.parentRunId, 'run:parent');
});

test('the progress query follows the experiment through its phases', async () => {
  const features = gate();
  const gans = gate();
  const fakes = fakeActivities({
    folds,
    overrides: {
      async extractFeatures() {
        await features.wait();
        return {
          featureKey: 'features:fake', rows: 60, cols: 88, classes: ['anger', 'neutral', 'sadness'], speakers: ['s0', 's1'],
          datasetHash: 'dataset:fake', extractor: 'opensmile:eGeMAPSv02', skipped: [], memoHit: true,
        };
      },
      async trainClassGans(input) {
        await gans.wait();
        return { ganKey: fakeGanKey(input.foldIndex, input.gan.loss, input.repeat), epochs: 2, finalLosses: {}, resumedFromEpoch: 0, memoHit: false };
      },
    },
  });
  const handle = await start(fakes.activities);
  try {
    const extracting = await eventually(() => handle.query(experimentProgressQuery), (p) => p.phase === 'features');
    assert.deepEqual(extracting, { phase: 'features', foldsDone: 0, foldsTotal: 0, evaluationsDone: 0, evaluationsTotal: 0, memoHits: 0, runningFolds: [] });

    features.open();
    const evaluating = await eventually(() => handle.query(experimentProgressQuery), (p) => p.phase === 'evaluating' && p.runningFolds.length === folds);
    assert.deepEqual({ ...evaluating, runningFolds: [...evaluating.runningFolds].sort() }, {
      phase: 'evaluating', foldsDone: 0, foldsTotal: folds, evaluationsDone: 0, evaluationsTotal, memoHits: 1,
      runningFolds: [0, 1].map((i) => `${handle.workflowId}/fold-${i}`),
    });
  } finally {
    features.open();
    gans.open();
  }
  await handle.result();
  assert.deepEqual(await handle.query(experimentProgressQuery), {
    phase: 'done', foldsDone: folds, foldsTotal: folds, evaluationsDone: evaluationsTotal, evaluationsTotal, memoHits: 1, runningFolds: [],
    // The GANs of the finished folds: per fold, one per loss and repeat (2 x 2).
    gansDone: folds * 2 * 2,
  });
});

test('a non-retryable InputError from feature extraction fails the experiment before any fold starts', async () => {
  const fakes = fakeActivities({
    folds,
    overrides: {
      async extractFeatures() {
        throw ApplicationFailure.create({ type: 'InputError', message: 'experiment-test: the corpus has no utterances', nonRetryable: true });
      },
    },
  });
  assertFailedOnInputError(await experimentFailure(fakes.activities), 'extractFeatures');
  assert.equal(fakes.calls('extractFeatures').length, 1, 'not retried');
  assert.deepEqual(fakes.calls('prepareFolds'), []);
  assert.deepEqual(fakes.calls('trainClassGans'), []);
});

test('a non-retryable InputError in a fold fails the fold workflow and with it the experiment', async () => {
  const fakes = fakeActivities({
    folds,
    overrides: {
      async trainClassGans(input) {
        if (input.foldIndex === 1 && input.gan.loss === 'wdiv' && input.repeat !== 0) {
          throw ApplicationFailure.create({ type: 'InputError', message: 'experiment-test: a class has one row', nonRetryable: true });
        }
        return { ganKey: fakeGanKey(input.foldIndex, input.gan.loss, input.repeat), epochs: 2, finalLosses: {}, resumedFromEpoch: 0, memoHit: false };
      },
    },
  });
  const err = await experimentFailure(fakes.activities);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ChildWorkflowFailure, String(err.cause));
  assert.match(err.cause.execution?.workflowId ?? '', /\/fold-1$/);
  assert.ok(err.cause.cause instanceof ActivityFailure);
  assert.equal(err.cause.cause.activityType, 'trainClassGanGroup', 'the repeats of a loss train as one group');
  assert.ok(err.cause.cause.cause instanceof ApplicationFailure);
  assert.equal(err.cause.cause.cause.type, 'InputError');
  assert.deepEqual(fakes.calls('finishExperiment'), [], 'no summary of a failed experiment');
});
