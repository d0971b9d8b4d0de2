import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { smokeWorkflow } from '../../workflows/smoke';
import { emodbWavDir, orchestrationSettings, useTestStack } from '../support/test-stack';

const fixture = useTestStack();

test('the smoke workflow trains a tfjs-node model on EMO-DB and logs params, per-epoch metrics and an artifact to MLflow', async () => {
  const { stack, workers } = fixture;
  const workflowId = `smoke-${randomUUID()}`;
  const experimentName = `test-smoke-${randomUUID().slice(0, 8)}`;
  const epochs = 25;
  const input = {
    training: { corpusDir: emodbWavDir, emotions: ['anger', 'sadness', 'neutral'], maxFiles: 90, epochs, hidden: 16, learningRate: 0.05, seed: 42, experimentName },
    orchestration: orchestrationSettings(workers.settings),
  };
  const result = await stack.client.workflow.execute(smokeWorkflow, {
    workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  assert.equal(result.files, 90);
  assert.deepEqual(result.classes, ['anger', 'neutral', 'sadness']);

  // Read everything back through MLflow's REST API.
  const run = await stack.mlflow.getRun(result.runId);
  const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
  assert.equal(params.epochs, String(epochs));
  assert.equal(params.files, '90');
  assert.equal(params.seed, '42');
  assert.equal(run.info.status, 'FINISHED');
  const loss = await stack.mlflow.getMetricHistory(result.runId, 'loss');
  assert.deepEqual(loss.map((m) => m.step).sort((a, b) => a - b), Array.from({ length: epochs }, (_, i) => i + 1));
  const bySteps = [...loss].sort((a, b) => a.step - b.step);
  assert.ok(bySteps.every((m) => Number.isFinite(m.value)));
  assert.ok((bySteps.at(-1)?.value ?? Infinity) < (bySteps[0]?.value ?? 0), 'training reduces the loss');
  const accuracy = await stack.mlflow.getMetricHistory(result.runId, 'train_accuracy');
  assert.equal(accuracy.length, epochs);
  assert.equal(accuracy.find((m) => m.step === epochs)?.value, result.finalAccuracy);
  assert.ok(result.finalAccuracy > 1 / 3, `better than chance on 3 classes (got ${result.finalAccuracy})`);
  const weights = JSON.parse((await stack.mlflow.downloadRunArtifact(run, 'model/weights.json')).toString()) as { w1: number[]; shape: { inputs: number; hidden: number } };
  assert.equal(weights.w1.length, weights.shape.inputs * weights.shape.hidden);

  // The workflow's history, through the Temporal client.
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
  assert.equal(scheduled.length, 1);
  assert.equal(scheduled[0]?.activityTaskScheduledEventAttributes?.activityType?.name, 'trainSmokeModel');
  assert.equal(scheduled[0]?.activityTaskScheduledEventAttributes?.taskQueue?.name, workers.settings.temporal.taskQueues.compute);
  assert.ok(events.some((e) => e.workflowExecutionCompletedEventAttributes));

  // Running the same workflow id again reuses the MLflow run: no second run, no duplicate points.
  await stack.client.workflow.execute(smokeWorkflow, {
    workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input],
  });
  const runsWithKey = await stack.mlflow.findRunsByTag([result.experimentId], 'serflow.key', `smoke/${workflowId}`);
  assert.equal(runsWithKey.length, 1);
  assert.equal((await stack.mlflow.getMetricHistory(result.runId, 'loss')).length, epochs);
});
