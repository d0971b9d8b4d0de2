/**
 * SIGKILL of the compute worker while it trains an ACRNN (the refit of an evaluation, whose
 * checkpoints activities/refit-progress.ts keeps in the store and names in the heartbeat), twice,
 * a fresh worker each time. The compute activities run in `serflow worker --queues
 * compute,extraction` processes over one local store folder; the workflows run in this process
 * over the same folder. The same config runs uninterrupted beside it, on its own store and MLflow
 * experiment.
 *
 * Proves: the experiment completes; each retry resumes from the last checkpoint the killed worker
 * stored, or the one before if the kill fell between storing it and naming it latest (one epoch,
 * the checkpoint interval, lost at most); the result and every MLflow metric
 * (the refit's epoch series included) equal the uninterrupted run's, one point per (metric, step).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { connectClient } from '../../infra/temporal/connection';
import { MlflowClient } from '../../tracking/mlflow-client';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { metricHistories, mlflowContents, routedTo, runsOf, sleep, spawnWorker, stopWorker, tag, waitFor, withDeadline, writeStackConfig, type LogLine, type SpawnedWorker } from '../support/fault-kit';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';
import { tinyExperiment } from '../support/tiny-experiment';

const KILLS = 2;
const EPOCHS = 12;

const spawned: SpawnedWorker[] = [];
const inProcess: InProcessWorkers[] = [];
let client: Client | undefined;

after(async () => {
  for (const w of spawned) await stopWorker(w);
  for (const w of inProcess) await w.stop();
  await client?.connection.close();
});

/** Refit checkpoint epochs a worker stored, in order, each once. */
function refitCheckpoints(lines: LogLine[]): number[] {
  return lines.flatMap((l) => {
    const m = typeof l.label === 'string' ? /^refit checkpoint epoch (\d+)$/.exec(l.label) : null;
    return m ? [Number(m[1])] : [];
  }).filter((epoch, i, all) => epoch !== all[i - 1]);
}

test(`SIGKILL of the compute worker ${KILLS} times during an ACRNN refit: each retry resumes from the last checkpoint, and the result and MLflow equal an uninterrupted run`, { timeout: 420_000 }, async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'serflow-acrnn-kill-'));
  const state = join(dir, 'state');
  mkdirSync(state);
  const configured = writeStackConfig(dir);
  const killed = { path: configured.path, settings: (await routedTo(configured.settings, { state })).settings };
  const straight = writeStackConfig(dir);
  const mlflow = new MlflowClient({ baseUrl: killed.settings.mlflow.trackingUri });
  client = await connectClient(killed.settings, 5_000);

  const { config, configHash, configDir } = tinyExperiment({
    features: { extractor: 'logmel' },
    protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 11, maxFolds: 1 },
    methods: ['none'],
    classifiers: ['acrnn'],
    acrnn: {
      channels: 3, segmentFrames: 100, convMaps: [8, 16], linear: 32, lstmUnits: 16, fcUnits: 16, lr: 1e-3, epochs: EPOCHS,
      // One of the three training speakers held out; patience = epochs: every epoch is trained.
      earlyStopping: { validationFraction: 0.3, patience: EPOCHS },
    },
  });
  const tag8 = randomUUID().slice(0, 8);
  const input = (settings: typeof killed.settings, name: string): ExperimentWorkflowInput => ({
    config, configHash, configDir, mlflowExperiment: `faults-acrnn-kill-${name}-${tag8}`, orchestration: orchestrationSettings(settings),
  });

  inProcess.push(await startInProcessWorkers({ settings: killed.settings, storeDir: join(state, 'store'), mlflow, queues: { orchestration: true, compute: false, extraction: false } }));
  inProcess.push(await startInProcessWorkers({ settings: straight.settings, storeDir: join(dir, 'straight-store'), mlflow }));

  const workflowId = `faults-acrnn-kill-${tag8}`;
  const handle = await client.workflow.start(experimentWorkflow, { workflowId, taskQueue: killed.settings.temporal.taskQueues.orchestration, args: [input(killed.settings, 'killed')] });
  const straightResult = client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-straight`, taskQueue: straight.settings.temporal.taskQueues.orchestration, args: [input(straight.settings, 'straight')],
  });
  const result = handle.result();
  result.catch(() => undefined);
  straightResult.catch(() => undefined);

  const startWorker = () => {
    // One compute activity at a time: every refit checkpoint it logs is the one evaluation's.
    const w = spawnWorker({ config: killed.path, state, queues: 'compute,extraction', computeConcurrency: 1 });
    spawned.push(w);
    return w;
  };
  let worker = startWorker();
  const kills: { lastCheckpoint: number; resumedFrom?: number; retryFirstCheckpoint?: number }[] = [];
  for (let k = 0; k < KILLS; k++) {
    // A checkpoint after the one this attempt resumed from (two if it started from scratch),
    // and not the last epoch's: the kill must fall inside the training.
    const resumedAt = kills.at(-1)?.lastCheckpoint ?? 0;
    const last = await waitFor(`worker ${spawned.length} to store a refit checkpoint past epoch ${resumedAt + 1}`, () => {
      assert.ok(worker.isRunning(), `worker ${worker.pid} ended by itself:\n${worker.output().slice(-4000)}`);
      const c = refitCheckpoints(worker.lines).at(-1);
      return c !== undefined && c >= resumedAt + 2 && c < EPOCHS - 1 ? c : undefined;
    }, 240_000, 50);
    await sleep(Math.round(Math.random() * 500));
    worker.child.kill('SIGKILL');
    assert.equal((await worker.exited).signal, 'SIGKILL');
    // The last checkpoint stored before the kill (one may have come during the sleep).
    kills.push({ lastCheckpoint: Math.max(last, ...refitCheckpoints(worker.lines)) });
    worker = startWorker();
  }

  const killedResult: ExperimentWorkflowResult = await withDeadline(result, 300_000, 'the killed experiment to finish');
  const baseline = await withDeadline(straightResult, 120_000, 'the uninterrupted experiment to finish');

  // Where each retry started: the 'resuming the refit' line of the worker after each kill.
  for (const [i, k] of kills.entries()) {
    const next = spawned[i + 1] as SpawnedWorker;
    const line = next.lines.find((l) => l.msg === 'resuming the refit from a checkpoint');
    k.resumedFrom = typeof line?.epoch === 'number' ? line.epoch : 0;
    k.retryFirstCheckpoint = refitCheckpoints(next.lines)[0];
  }
  console.log(`[acrnn-refit-kill] kills: ${JSON.stringify(kills)}; ${spawned.length} worker processes, ${Math.round((Date.now() - started) / 1000)} s`);
  for (const k of kills) {
    // The newest checkpoint, or the one before if the kill fell between storing it and naming it
    // latest (store/checkpoint-slots.ts): at most one checkpoint interval (one epoch) lost.
    assert.ok(
      k.resumedFrom !== undefined && k.resumedFrom >= k.lastCheckpoint - 1 && k.resumedFrom <= k.lastCheckpoint,
      `the retry resumed from epoch ${k.resumedFrom}, the killed worker's last stored checkpoint was epoch ${k.lastCheckpoint}`,
    );
    // And trained on from there: its first checkpoint is the next epoch's, not epoch 1's again.
    assert.equal(k.retryFirstCheckpoint, (k.resumedFrom ?? 0) + 1, `the retry's first checkpoint is epoch ${k.retryFirstCheckpoint}, after resuming from epoch ${k.resumedFrom}`);
  }

  assert.deepEqual(killedResult.rows, baseline.rows, 'the killed run has the same results as the uninterrupted one');
  const killedRuns = await runsOf(mlflow, input(killed.settings, 'killed').mlflowExperiment);
  const straightRuns = await runsOf(mlflow, input(straight.settings, 'straight').mlflowExperiment);
  const [killedContents, straightContents] = [await mlflowContents(mlflow, killedRuns), await mlflowContents(mlflow, straightRuns)];
  assert.deepEqual([...killedContents.keys()].sort(), [...straightContents.keys()].sort(), 'the same runs');
  for (const [key, metrics] of straightContents) assert.deepEqual(killedContents.get(key), metrics, `the same metric histories in run ${key}`);
  // The refit's epoch series: one point per epoch, none twice (metricHistories fails on a doubled step).
  const cell = killedRuns.find((r) => tag(r, 'serflow.kind') === 'cell');
  assert.ok(cell, 'the cell run');
  const series = [...(await metricHistories(mlflow, cell))].filter(([key]) => key.endsWith('/epoch/validationUar'));
  assert.equal(series.length, 1, 'one validation-UAR series');
  assert.deepEqual((series[0]?.[1] ?? []).map((p) => p.step).sort((a, b) => a - b), Array.from({ length: EPOCHS }, (_, i) => i + 1));
});
