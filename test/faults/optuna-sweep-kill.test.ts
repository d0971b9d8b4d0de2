/**
 * An optuna sweep whose worker is SIGKILLed during a trial, and which is later cancelled during
 * another trial and resumed (`serflow cancel` + `serflow resume`), against the same sweep run
 * straight through with the same seed on workers of its own.
 *
 * The interrupted sweep's workflows and activities run in spawned `serflow worker` processes
 * (a fresh one after the kill) over one state folder; both sweeps keep their studies in the test
 * process's Optuna storage (SERFLOW_OPTUNA_STORAGE), each under its own study name.
 *
 * Both sweeps hold speaker 10 out (search.holdout): no trial's folds reach it, and after the last
 * trial the best trial is trained on the other three speakers and tested on it.
 *
 * Proves: the interrupted sweep ends with the same number of trials per state as the straight
 * one, one trial per slot and none left RUNNING in Optuna, one MLflow run per serflow.key and one
 * trial run per trial, each tagged with the state Optuna holds; no trial run holds a fold of the
 * held-out speaker, and one final run (the same best trial, the same held-out test UAR as the
 * straight sweep's) tests on it alone, its UAR on the sweep's run.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { restartFromRecordedInput } from '../../cli/commands/manage-commands';
import { optunaStorage } from '../../composition/runtime-deps';
import { connectClient } from '../../infra/temporal/connection';
import { MlflowClient } from '../../tracking/mlflow-client';
import type { Run } from '../../tracking/mlflow-schemas';
import { optunaSweepWorkflow, type OptunaSweepProgress, type TrialOutcome } from '../../workflows/optuna-sweep';
import { assertOneRunPerKey, routedTo, runsOf, spawnWorker, stopWorker, tag, waitFor, withDeadline, writeStackConfig, type SpawnedWorker } from '../support/fault-kit';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';
import { assertStudyClean, countsOf, optunaLaunch, writeOptunaSweep } from '../support/optuna-sweep-fixture';

const spawned: SpawnedWorker[] = [];
const inProcess: InProcessWorkers[] = [];
let client: Client | undefined;

after(async () => {
  for (const w of spawned) await stopWorker(w);
  for (const w of inProcess) await w.stop();
  await client?.connection.close();
});

test('an optuna sweep whose worker is SIGKILLed during a trial, then cancelled during another and resumed, ends with the trials per state of an uninterrupted run: one trial per slot, no orphan RUNNING trial, no duplicate MLflow run', { timeout: 1_200_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-optuna-kill-'));
  const state = join(dir, 'state');
  mkdirSync(state);
  const stack = writeStackConfig(dir);
  const straightStack = writeStackConfig(dir);
  const mlflow = new MlflowClient({ baseUrl: stack.settings.mlflow.trackingUri });
  client = await connectClient(stack.settings, 5_000);
  const heldOut = '10';
  const file = writeOptunaSweep({ trials: 5, holdout: [heldOut] });
  const tag8 = randomUUID().slice(0, 8);

  // The uninterrupted sweep: workers in this process, on a store of its own.
  inProcess.push(await startInProcessWorkers({ settings: straightStack.settings, storeDir: join(dir, 'straight-store'), mlflow }));
  const straight = optunaLaunch(file, straightStack.settings, `straight-${tag8}`);
  const straightResult = client.workflow.execute(optunaSweepWorkflow, {
    workflowId: straight.workflowId, taskQueue: straightStack.settings.temporal.taskQueues.orchestration, args: [straight.input],
  });
  straightResult.catch(() => undefined);

  // The interrupted sweep: spawned workers on the state folder's store.
  const routed = (await routedTo(stack.settings, { state })).settings;
  const interrupted = optunaLaunch(file, routed, `killed-${tag8}`);
  const startWorker = () => {
    const w = spawnWorker({ config: stack.path, state, env: { SERFLOW_OPTUNA_STORAGE: optunaStorage() } });
    spawned.push(w);
    return w;
  };
  let worker = startWorker();
  const handle = await client.workflow.start(optunaSweepWorkflow, {
    workflowId: interrupted.workflowId, taskQueue: routed.temporal.taskQueues.orchestration, args: [interrupted.input],
  });
  const duringTrial = async (minDone: number) => waitFor(`a trial running after ${minDone} ended`, async () => {
    assert.ok(worker.isRunning(), `worker ${worker.pid} ended by itself:\n${worker.output().slice(-3000)}`);
    const p = await handle.query<OptunaSweepProgress>('progress').catch(() => undefined);
    assert.ok(!p || p.experimentsDone < interrupted.input.trials, 'the sweep ended before it could be interrupted');
    return p && p.experimentsDone >= minDone && p.running.length > 0 ? p : undefined;
  }, 600_000, 500);

  const killedDuring = await duringTrial(1);
  // Into the trial's folds, not only its ask.
  await new Promise((r) => setTimeout(r, 3000));
  worker.child.kill('SIGKILL');
  assert.equal((await worker.exited).signal, 'SIGKILL');
  worker = startWorker();

  const cancelledDuring = await duringTrial(killedDuring.experimentsDone + 1);
  await handle.cancel();
  await waitFor('the sweep to close as cancelled', async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined), 120_000, 500);
  await restartFromRecordedInput(client, interrupted.workflowId);
  const result = await withDeadline(client.workflow.getHandle<typeof optunaSweepWorkflow>(interrupted.workflowId).result(), 900_000, 'the resumed sweep to finish');
  const straightEnd = await withDeadline(straightResult, 900_000, 'the uninterrupted sweep to finish');
  const outcomes: TrialOutcome[] = result.outcomes;
  const baseline: TrialOutcome[] = straightEnd.outcomes;
  console.log(`[optuna-kill] killed during ${killedDuring.running.join(', ')}, cancelled during ${cancelledDuring.running.join(', ')}`);

  const killedStudy = await assertStudyClean(interrupted.input);
  const straightStudy = await assertStudyClean(straight.input);
  console.log(`[optuna-kill] trials per state: interrupted ${JSON.stringify(countsOf(killedStudy))}, straight ${JSON.stringify(countsOf(straightStudy))}`);
  assert.deepEqual(countsOf(killedStudy), countsOf(straightStudy), 'the same number of trials per state');
  assert.deepEqual(outcomes.map((o) => [o.slot, o.state, o.values]), baseline.map((o) => [o.slot, o.state, o.values]), 'the same trials, slot by slot');

  const runs = await runsOf(mlflow, interrupted.input.mlflowExperiment);
  assertOneRunPerKey(runs);
  const trialRuns = runs.filter((r) => tag(r, 'serflow.trial') !== undefined);
  assert.equal(trialRuns.length, interrupted.input.trials, 'one MLflow run per trial');
  for (const run of trialRuns) {
    const t = killedStudy.trials.find((s) => s.number === Number(tag(run, 'serflow.trial')));
    assert.equal(tag(run, 'serflow.trial_state'), t?.state);
  }

  // The holdout: no trial's fold reaches speaker 10; one final run tests on it alone, after the kill and the resume as straight through.
  console.log(`[optuna-kill] ${result.note}`);
  assert.equal(result.best?.name, straightEnd.best?.name, 'the same best trial');
  assert.deepEqual(result.holdout?.speakers, [heldOut]);
  assert.equal(result.holdout?.uar, straightEnd.holdout?.uar, 'the same held-out test UAR as the uninterrupted sweep');
  const finalRuns = runs.filter((r) => tag(r, 'serflow.holdout_of_sweep') !== undefined);
  assert.deepEqual(finalRuns.map((r) => r.info.run_id), [result.holdout?.runId], 'one final run');
  const finalCellRuns = runs.filter((r) => tag(r, 'mlflow.parentRunId') === result.holdout?.runId);
  const foldsOf = (r: Run) => [...new Set(r.data.metrics.map((m) => /^fold_([^/]+)\//.exec(m.key)?.[1]).filter((f): f is string => f !== undefined))];
  assert.deepEqual([...new Set(finalCellRuns.flatMap(foldsOf))], [`speakers-${heldOut}`], 'the final run tests on the held-out speaker alone');
  const trialFolds = runs.filter((r) => r.info.run_id !== result.holdout?.runId && !finalCellRuns.includes(r)).flatMap(foldsOf);
  assert.ok(trialFolds.length > 0);
  assert.deepEqual(trialFolds.filter((f) => f.includes(heldOut)), [], 'no trial has a fold of the held-out speaker');
  const sweepRun = runs.find((r) => tag(r, 'serflow.kind') === 'sweep');
  assert.equal(sweepRun?.data.metrics.find((m) => m.key === 'holdout/test_uar')?.value, result.holdout?.uar, 'the held-out test UAR is on the sweep\'s run');
});
