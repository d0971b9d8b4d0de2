import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { planCells } from '../../configs/experiment-plan';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { orchestrationSettings, useTestStack } from '../support/test-stack';
import { tinyExperiment } from '../support/tiny-experiment';

const fixture = useTestStack();

test('an experiment runs features -> folds -> GANs -> evaluations -> summary, tracked in MLflow, and a re-run is all memo hits', async () => {
  const { stack, workers } = fixture;
  const { config, configHash, configDir } = tinyExperiment();
  const mlflowExperiment = `test-experiment-${randomUUID().slice(0, 8)}`;
  const input: ExperimentWorkflowInput = { config, configHash, configDir, mlflowExperiment, orchestration: orchestrationSettings(workers.settings) };
  const cells = planCells(config);
  assert.equal(cells.length, 6);

  const workflowId = `experiment-test-${randomUUID()}`;
  const handle = await stack.client.workflow.start(experimentWorkflow, { workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input] });
  const result: ExperimentWorkflowResult = await handle.result();
  assert.equal(result.folds, 2);
  assert.equal(result.evaluations, 2 * cells.length * config.protocol.repeats);
  assert.equal(result.features.cols, 88);
  assert.deepEqual(result.features.classes, ['anger', 'neutral', 'sadness']);
  assert.equal(result.rows.length, cells.length);
  for (const row of result.rows) {
    assert.ok(row.uar.mean > 1 / 3 - 0.2 && row.uar.mean <= 1, `${row.cellId}: UAR ${row.uar.mean}`);
    assert.ok(row.wa.std !== null && row.wa.std >= 0);
  }
  const progress = await handle.query<{ phase: string; evaluationsDone: number; evaluationsTotal: number }>('progress');
  assert.equal(progress.phase, 'done');
  assert.equal(progress.evaluationsDone, progress.evaluationsTotal);

  // MLflow: one parent, one run per cell, one GAN run per fold and repeat (gan.shareAcrossRepeats
  // false, the default); summary metrics equal the result.
  const experiment = await stack.mlflow.getExperimentByName(mlflowExperiment);
  assert.ok(experiment);
  const runs = (await stack.mlflow.searchRuns({ experimentIds: [experiment.experiment_id], maxResults: 1000 })).runs;
  const kinds = runs.map((r) => r.data.tags.find((t) => t.key === 'serflow.kind')?.value);
  assert.equal(kinds.filter((k) => k === 'experiment').length, 1);
  assert.equal(kinds.filter((k) => k === 'cell').length, cells.length);
  assert.equal(kinds.filter((k) => k === 'gan').length, 2 * config.protocol.repeats);
  for (const row of result.rows) {
    const run = runs.find((r) => r.data.tags.some((t) => t.key === 'serflow.cell' && t.value === row.cellId));
    assert.ok(run, row.cellId);
    const metric = (key: string) => run.data.metrics.find((m) => m.key === key)?.value;
    assert.equal(metric('uar_mean'), row.uar.mean);
    assert.equal(metric('wa_mean'), row.wa.mean);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.metrics.filter((m) => m.key.startsWith('fold_')).length, 2 * 2 * config.protocol.repeats);
  }
  const parent = runs.find((r) => r.info.run_id === result.parentRunId);
  assert.ok(parent);
  const resultsJson = JSON.parse((await stack.mlflow.downloadRunArtifact(parent, 'results.json')).toString()) as { evaluations: unknown[] };
  assert.equal(resultsJson.evaluations.length, result.evaluations);
  const ganRun = runs.find((r) => r.data.tags.some((t) => t.key === 'serflow.kind' && t.value === 'gan'));
  assert.ok(ganRun);
  const dT = await stack.mlflow.getMetricHistory(ganRun.info.run_id, 'loss/dT');
  assert.equal(dT.length, config.gan.pretrainEpochs + config.gan.epochs, 'one point per epoch');

  // The same experiment again (a new execution): every activity result comes from the memo,
  // the numbers are identical, and MLflow gains no run and no metric point.
  const again: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-again`, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  assert.equal(again.memoHits, again.memoLookups);
  assert.deepEqual(again.rows, result.rows);
  const runsAfter = (await stack.mlflow.searchRuns({ experimentIds: [experiment.experiment_id], maxResults: 1000 })).runs;
  assert.equal(runsAfter.length, runs.length);
  assert.equal((await stack.mlflow.getMetricHistory(ganRun.info.run_id, 'loss/dT')).length, dT.length);
  const cellRun = runsAfter.find((r) => r.data.tags.some((t) => t.key === 'serflow.kind' && t.value === 'cell'));
  assert.ok(cellRun);
  assert.equal((await stack.mlflow.getMetricHistory(cellRun.info.run_id, 'uar_mean')).length, 1);
  assert.equal(parent.data.tags.find((t) => t.key === 'serflow.memo_hits')?.value, `0/${result.memoLookups}`);
});

test('trained augmenters end to end: an SVM selecting C on a speaker hold-out and an early-stopping DNN, with cycle-GAN and Gaussian-mixture cells, each model fitted on its fit set, a re-run all memo hits', async () => {
  const { stack, workers } = fixture;
  // Four speakers, two LOSO folds: three outer-training speakers, one held out for the SVM's
  // selection and the DNN's early stopping alike (the same fraction), so a fold trains, per
  // trained method and repeat, a model of every speaker (the SVM refit) and one of the other two.
  const { config, configHash, configDir } = tinyExperiment({
    protocol: { folds: { kind: 'loso' }, repeats: 2, seed: 7, maxFolds: 2, selection: { folds: { kind: 'speaker-holdout', fraction: 0.3 } } },
    methods: ['none', { method: 'cyclegan', loss: 'wdiv' }, { method: 'gmm', amounts: [0.5] }],
    svm: { C: { select: [0.01, 1] } },
    dnn: { hidden: [32], epochs: 5, earlyStopping: { validationFraction: 0.3, patience: 2 } },
  });
  const mlflowExperiment = `test-fold-models-${randomUUID().slice(0, 8)}`;
  const input: ExperimentWorkflowInput = { config, configHash, configDir, mlflowExperiment, orchestration: orchestrationSettings(workers.settings) };
  const cells = planCells(config);
  assert.deepEqual(cells.map((c) => c.id), ['none/svm', 'none/dnn', 'cyclegan-wdiv/ratio-1/svm', 'cyclegan-wdiv/ratio-1/dnn', 'gmm/ratio-0.5/svm', 'gmm/ratio-0.5/dnn']);
  const workflowId = `experiment-test-${randomUUID()}`;
  const result: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, { workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input] });
  assert.equal(result.evaluations, 2 * cells.length * config.protocol.repeats);
  for (const id of ['cyclegan-wdiv/ratio-1/svm', 'gmm/ratio-0.5/svm']) {
    const row = result.rows.find((r) => r.cellId === id);
    assert.ok(row && row.uar.mean > 0, id);
  }
  // GAN runs: per fold and repeat, one of every outer-training speaker and one of the two left after the hold-out.
  const experiment = await stack.mlflow.getExperimentByName(mlflowExperiment);
  assert.ok(experiment);
  const runs = (await stack.mlflow.searchRuns({ experimentIds: [experiment.experiment_id], maxResults: 1000 })).runs;
  const ganFitSets = runs.filter((r) => r.data.tags.some((t) => t.key === 'serflow.kind' && t.value === 'gan'))
    .map((r) => r.data.tags.find((t) => t.key === 'serflow.fit_speakers')?.value ?? '?');
  assert.equal(ganFitSets.length, 2 * 2 * 2, 'per fold and repeat: two fit sets');
  assert.equal(ganFitSets.filter((f) => f === 'all').length, 4);
  assert.ok(ganFitSets.filter((f) => f !== 'all').every((f) => f.split('+').length === 2), ganFitSets.join(', '));

  const again: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-again`, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  assert.equal(again.memoHits, again.memoLookups);
  assert.deepEqual(again.rows, result.rows);
});
