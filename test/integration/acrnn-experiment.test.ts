/**
 * Sequence rows through the whole pipeline: the log-Mel extractor's rows (frames x bands, each
 * with its own frame count) go through the store, the folds, the per-band standardisation and an
 * ACRNN's early-stopped refit to predictions, on the real Temporal and MLflow servers; the refit's
 * epoch figures reach the cell's run and its checkpoints the store; a re-run is all memo hits.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { planCells } from '../../configs/experiment-plan';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { orchestrationSettings, useTestStack } from '../support/test-stack';
import { tinyExperiment } from '../support/tiny-experiment';

const fixture = useTestStack();

test('an ACRNN experiment on log-Mel sequences runs end to end, logs its epochs, and a re-run is all memo hits', async () => {
  const { stack, workers } = fixture;
  const epochs = 3;
  const { config, configHash, configDir } = tinyExperiment({
    features: { extractor: 'logmel' },
    protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 7, maxFolds: 1 },
    methods: ['none'],
    classifiers: ['acrnn'],
    acrnn: {
      channels: 3, segmentFrames: 100, convMaps: [8, 16], linear: 32, lstmUnits: 16, fcUnits: 16, lr: 1e-3, epochs,
      // Three training speakers: one is held out for early stopping.
      earlyStopping: { validationFraction: 0.3, patience: epochs },
    },
  });
  const mlflowExperiment = `test-acrnn-${randomUUID().slice(0, 8)}`;
  const input: ExperimentWorkflowInput = { config, configHash, configDir, mlflowExperiment, orchestration: orchestrationSettings(workers.settings) };
  assert.equal(planCells(config).length, 1);

  const workflowId = `experiment-acrnn-test-${randomUUID()}`;
  const result: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, {
    workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  const shape = result.features.shape;
  assert.ok(shape, 'the feature reference carries a sequence shape');
  assert.equal(shape.kind, 'sequence');
  assert.equal(shape.bands, 40);
  // The longest of the tiny corpus's utterances, in 10 ms frames: between 1 and 10 s.
  assert.ok(shape.frames > 100 && shape.frames < 1000, `frames ${shape.frames}`);
  assert.equal(result.features.cols, shape.frames * shape.bands);
  assert.equal(result.features.extractor, 'logmel:40');
  assert.equal(result.evaluations, 1);
  const [row] = result.rows;
  assert.ok(row && Number.isFinite(row.uar.mean) && row.uar.mean >= 0 && row.uar.mean <= 1, JSON.stringify(row));

  const experiment = await stack.mlflow.getExperimentByName(mlflowExperiment);
  assert.ok(experiment);
  const runs = (await stack.mlflow.searchRuns({ experimentIds: [experiment.experiment_id], maxResults: 100 })).runs;
  const cellRun = runs.find((r) => r.data.tags.some((t) => t.key === 'serflow.kind' && t.value === 'cell'));
  assert.ok(cellRun);
  // The refit's epoch figures, one point per epoch trained, validated on the held-out training speaker.
  const uarSeries = cellRun.data.metrics.filter((m) => m.key.endsWith('/epoch/validationUar')).map((m) => m.key);
  assert.equal(uarSeries.length, 1, `one validation-UAR series: ${cellRun.data.metrics.map((m) => m.key).join(', ')}`);
  const history = await stack.mlflow.getMetricHistory(cellRun.info.run_id, uarSeries[0] as string);
  assert.deepEqual(history.map((m) => m.step).sort((a, b) => a - b), Array.from({ length: epochs }, (_, i) => i + 1));

  const again: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-again`, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  assert.equal(again.memoHits, again.memoLookups);
  assert.deepEqual(again.rows, result.rows);
  assert.equal((await stack.mlflow.getMetricHistory(cellRun.info.run_id, uarSeries[0] as string)).length, epochs);
});
