/**
 * The Temporal dev server (SQLite state) stopped and started again in the middle of an
 * experiment: the workers ride out the gap, and the experiment continues and completes with the
 * results of an uninterrupted run; and in the middle of an optuna sweep's trial: every trial slot
 * still ends once, none is left RUNNING in Optuna, one MLflow run per trial. It runs on a Temporal server of its own (other ports, its own
 * state folder) so the servers other test files use are never touched; MLflow is the test stack's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { runningPid } from '../../infra/stack/managed-process';
import { temporalDevServer } from '../../infra/stack/servers';
import { serverDown, serverUp } from '../../infra/stack/stack';
import { MlflowClient } from '../../tracking/mlflow-client';
import { experimentWorkflow, type ExperimentProgress, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { optunaSweepWorkflow, type OptunaSweepProgress, type TrialOutcome } from '../../workflows/optuna-sweep';
import { tinyExperiment } from '../support/tiny-experiment';
import { assertOneRunPerKey, runsOf, sleep, tag, waitFor, withDeadline, writeStackConfig } from '../support/fault-kit';
import { assertStudyClean, countsOf, optunaLaunch, writeOptunaSweep } from '../support/optuna-sweep-fixture';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';

const OFFLINE_MS = 10_000;
// Its own state folder: the dev server's database, pid file and log live there (stateDir()).
const state = mkdtempSync(join(tmpdir(), 'serflow-restart-'));
process.env.SERFLOW_STATE = state;
const { settings } = writeStackConfig(state, (raw) => {
  raw.temporal.address = '127.0.0.1:37233';
  raw.temporal.devServer = { ip: '127.0.0.1', port: 37233, uiPort: 38233, dbFile: 'temporal/temporal.db' };
});

const workers: InProcessWorkers[] = [];
let client: Client | undefined;

after(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await client?.connection.close().catch(() => undefined);
  await serverDown(settings, 'temporal');
});

async function status(c: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await c.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw err;
    return undefined; // the server is not answering yet
  }
}

test('stopping and restarting the Temporal server mid-experiment: the experiment continues and completes', { timeout: 300_000 }, async () => {
  const started = Date.now();
  await serverUp(settings, 'temporal');
  const firstPid = runningPid(temporalDevServer(settings).spec);
  assert.ok(firstPid, 'our Temporal server runs');
  client = await connectClient(settings, 10_000);
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  workers.push(await startInProcessWorkers({ settings, storeDir: join(state, 'store'), mlflow }));

  const { config, configHash, configDir } = tinyExperiment({
    gan: { hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 1, epochs: 30, checkpointEvery: 5, classifier: { hidden: [8], epochs: 5 } },
  });
  const tag8 = randomUUID().slice(0, 8);
  const input: ExperimentWorkflowInput = { config, configHash, configDir, mlflowExperiment: `faults-restart-${tag8}`, orchestration: orchestrationSettings(settings) };
  const workflowId = `faults-restart-${tag8}`;
  const handle = await client.workflow.start(experimentWorkflow, { workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input] });

  // Mid-experiment: the folds run.
  const before = await waitFor('the experiment to reach its folds', async () => {
    const p = await handle.query<ExperimentProgress>('progress').catch(() => undefined);
    // 'folds' (preparing the folds) lasts a moment: wait past it to the evaluations; a later phase
    // is returned too, so that an experiment that finished too early fails the assertion below.
    return p && !['tracking', 'features', 'folds'].includes(p.phase) ? p : undefined;
  }, 150_000, 200);
  assert.equal(before.phase, 'evaluating', 'the server goes down while the folds run');

  await restartTemporal();
  const restartedAt = Date.now();

  // The workflow survived the restart (SQLite) and runs on to completion with the same workers.
  const finalStatus = await waitFor('the experiment to finish after the restart', async () => {
    const s = await status(client as Client, workflowId);
    return s && s !== 'RUNNING' ? s : undefined;
  }, 200_000, 1_000);
  assert.equal(finalStatus, 'COMPLETED');
  const result: ExperimentWorkflowResult = await withDeadline(client.workflow.getHandle(workflowId).result(), 30_000, 'the result');
  assert.equal(result.folds, 2);
  assert.equal(result.evaluations, 2 * result.rows.length * config.protocol.repeats);
  for (const w of workers[0]?.workers ?? []) assert.equal(w.getState(), 'RUNNING', 'the workers are still running');
  console.log(`[server-restart] down at phase ${before.phase} (${before.evaluationsDone}/${before.evaluationsTotal} evaluations), offline ${OFFLINE_MS / 1000} s, ` +
    `completed ${Math.round((Date.now() - restartedAt) / 1000)} s after the restart; ${Math.round((Date.now() - started) / 1000)} s in all`);
});

/** Stops our Temporal server, keeps it down OFFLINE_MS, starts it again (a new process). */
async function restartTemporal(): Promise<void> {
  const pid = runningPid(temporalDevServer(settings).spec);
  await serverDown(settings, 'temporal');
  assert.equal(runningPid(temporalDevServer(settings).spec), undefined, 'our Temporal server is down');
  await sleep(OFFLINE_MS);
  await serverUp(settings, 'temporal');
  const again = runningPid(temporalDevServer(settings).spec);
  assert.ok(again && again !== pid, 'a new server process');
}

test('restarting the Temporal server during an optuna trial: every trial slot ends once, none left RUNNING, one MLflow run per trial', { timeout: 400_000 }, async () => {
  await serverUp(settings, 'temporal');
  client ??= await connectClient(settings, 10_000);
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  if (workers.length === 0) workers.push(await startInProcessWorkers({ settings, storeDir: join(state, 'store'), mlflow }));
  const { input, workflowId } = optunaLaunch(writeOptunaSweep({ trials: 4 }), settings);
  const handle = await client.workflow.start(optunaSweepWorkflow, { workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input] });

  // Past the first trial, with the second running: Optuna has a told trial and a running one.
  const before = await waitFor('a trial running after a told one', async () => {
    const p = await handle.query<OptunaSweepProgress>('progress').catch(() => undefined);
    return p && p.experimentsDone >= 1 && p.running.length > 0 ? p : undefined;
  }, 300_000, 200);
  await restartTemporal();

  const outcomes: TrialOutcome[] = (await withDeadline(client.workflow.getHandle<typeof optunaSweepWorkflow>(workflowId).result(), 300_000, 'the sweep after the restart')).outcomes;
  assert.equal(outcomes.length, input.trials);
  const study = await assertStudyClean(input);
  const counts = countsOf(study);
  assert.equal((counts.complete ?? 0) + (counts.pruned ?? 0), input.trials, `every trial completed or pruned: ${JSON.stringify(counts)}`);
  const runs = await runsOf(mlflow, input.mlflowExperiment);
  assertOneRunPerKey(runs);
  assert.equal(runs.filter((r) => tag(r, 'serflow.trial') !== undefined).length, input.trials, 'one MLflow run per trial');
  console.log(`[server-restart] optuna: down with ${before.experimentsDone} trial(s) told and ${before.running.length} running; trials per state ${JSON.stringify(counts)}`);
});
