/**
 * SIGKILL of the compute worker during cycle-GAN training, several times, a fresh worker each
 * time. Each fold trains its two repeats' GANs as one group (trainClassGanGroup), so a kill can
 * also fall between the two members' checkpoints of one epoch: the retry then brings the one
 * behind up to the other alone, and trains on together. The compute activities run in separate `serflow worker --queues compute,extraction` processes that
 * share one local store folder (the checkpoints live there); workflows and evaluations run in
 * this process over the same folder. The same config runs uninterrupted beside it, on its own
 * store and MLflow experiment.
 *
 * One more kill hits a worker while it runs an evaluation (no checkpoint there: it must be retried
 * after the heartbeat timeout, not after the 30 min start-to-close timeout).
 *
 * Proves: the experiment completes; every retried attempt resumes from the last checkpoint the
 * killed worker wrote (at most one checkpoint interval of epochs is lost per kill); the results
 * and every MLflow metric equal the uninterrupted run's; MLflow holds one run per serflow.key
 * and one point per (metric, step).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { MlflowClient } from '../../tracking/mlflow-client';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { tinyExperiment } from '../support/tiny-experiment';
import {
  metricHistories, mlflowContents, routedTo, runsOf, sleep, spawnWorker, stopWorker, tag, waitFor, withDeadline, writeStackConfig, type LogLine, type SpawnedWorker,
} from '../support/fault-kit';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';

const KILLS = 3;
const CHECKPOINT_EVERY = 5;
const GAN_EPOCHS = 50;
const PRETRAIN_EPOCHS = 1;
const TOTAL_EPOCHS = PRETRAIN_EPOCHS + GAN_EPOCHS;
/** GANs per group: tinyExperiment's repeats. */
const MEMBERS = 2;
const GAN_GROUP = 'trainClassGanGroup';

const spawned: SpawnedWorker[] = [];
const inProcess: InProcessWorkers[] = [];
let client: Client | undefined;

after(async () => {
  const t = Date.now();
  for (const w of spawned) await stopWorker(w);
  const t1 = Date.now();
  for (const w of inProcess) await w.stop();
  const t2 = Date.now();
  await client?.connection.close();
  console.log(`[worker-kill] teardown: spawned ${t1 - t} ms, in-process ${t2 - t1} ms, client ${Date.now() - t2} ms`);
});

interface StartedActivity {
  type: string;
  fold: number;
  attempt: number;
  identity: string;
  startedMs: number;
  heartbeatEpoch: number | undefined;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return 0;
  return Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Activities currently started on the server, from the fold workflows' descriptions. */
async function startedActivities(c: Client, workflowId: string, folds: number): Promise<StartedActivity[]> {
  const out: StartedActivity[] = [];
  for (let fold = 0; fold < folds; fold++) {
    let description;
    try {
      description = await c.workflow.getHandle(`${workflowId}/fold-${fold}`).describe();
    } catch {
      continue;
    }
    for (const p of description.raw.pendingActivities ?? []) {
      if (p.state !== 2 /* PENDING_ACTIVITY_STATE_STARTED */) continue;
      const payload = p.heartbeatDetails?.payloads?.[0];
      const details = payload ? defaultPayloadConverter.fromPayload<{ epoch?: number; members?: { epoch?: number }[] } | null>(payload) : undefined;
      out.push({
        type: p.activityType?.name ?? '?', fold, attempt: p.attempt ?? 0, identity: p.lastWorkerIdentity ?? '',
        startedMs: timestampMs(p.lastStartedTime), heartbeatEpoch: details?.epoch ?? details?.members?.[0]?.epoch ?? undefined,
      });
    }
  }
  return out;
}

/** Epochs whose checkpoint every member of the group stored since `sinceMs`, with the time the last did. */
function checkpointEpochs(lines: LogLine[], sinceMs: number): { epoch: number; time: number }[] {
  const stored = lines.flatMap((l) => {
    const m = typeof l.label === 'string' ? /^gan checkpoint epoch (\d+)$/.exec(l.label) : null;
    return m && (l.time ?? 0) >= sinceMs ? [{ epoch: Number(m[1]), time: l.time ?? 0 }] : [];
  });
  return [...new Set(stored.map((c) => c.epoch))]
    .filter((epoch) => stored.filter((c) => c.epoch === epoch).length >= MEMBERS)
    .map((epoch) => ({ epoch, time: Math.max(...stored.filter((c) => c.epoch === epoch).map((c) => c.time)) }));
}

interface Kill {
  worker: number;
  fold: number;
  attempt: number;
  /** Last checkpoint the killed attempt wrote (its resume point if it wrote none). */
  lastCheckpoint: number;
  /** Epochs reached at the kill, estimated from the attempt's epoch rate (at most the next checkpoint epoch). */
  reachedEstimate: number;
  heartbeatEpoch: number | undefined;
  delayAfterCheckpointMs: number;
  /** Filled in after the run: where the next attempt of the same activity started. */
  resumedFrom?: number;
}

test(`SIGKILL of the compute worker ${KILLS} times during GAN training and once during an evaluation: the experiment completes, each kill loses at most one checkpoint interval, results and MLflow equal an uninterrupted run`, { timeout: 420_000 }, async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'serflow-kill-'));
  const state = join(dir, 'state');
  mkdirSync(state);
  const configured = writeStackConfig(dir);
  // The spawned compute workers poll the queues of the store in `state` (store routing).
  const killed = { path: configured.path, settings: (await routedTo(configured.settings, { state })).settings };
  const straight = writeStackConfig(dir);
  const mlflow = new MlflowClient({ baseUrl: killed.settings.mlflow.trackingUri });
  client = await connectClient(killed.settings, 5_000);

  const { config, configHash, configDir } = tinyExperiment({
    gan: {
      hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: PRETRAIN_EPOCHS, epochs: GAN_EPOCHS, checkpointEvery: CHECKPOINT_EVERY,
      classifier: { hidden: [8], epochs: 5 },
      // A GAN per repeat (the default), trained as one group per fold.
      shareAcrossRepeats: false,
    },
  });
  const tag8 = randomUUID().slice(0, 8);
  const input = (settings: typeof killed.settings, name: string): ExperimentWorkflowInput => ({
    config, configHash, configDir, mlflowExperiment: `faults-kill-${name}-${tag8}`, orchestration: orchestrationSettings(settings),
  });

  // Orchestration (workflows, evaluations) here, over the store folder the spawned workers use.
  inProcess.push(await startInProcessWorkers({ settings: killed.settings, storeDir: join(state, 'store'), mlflow, queues: { orchestration: true, compute: false, extraction: false } }));
  // The uninterrupted run: both queues here, its own store.
  inProcess.push(await startInProcessWorkers({ settings: straight.settings, storeDir: join(dir, 'straight-store'), mlflow }));

  const workflowId = `faults-kill-${tag8}`;
  const handle = await client.workflow.start(experimentWorkflow, { workflowId, taskQueue: killed.settings.temporal.taskQueues.orchestration, args: [input(killed.settings, 'killed')] });
  const straightResult = client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-straight`, taskQueue: straight.settings.temporal.taskQueues.orchestration, args: [input(straight.settings, 'straight')],
  });
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  // Awaited below; these keep an early failure from counting as an unhandled rejection meanwhile.
  result.catch(() => undefined);
  straightResult.catch(() => undefined);

  const startWorker = () => {
    // One compute activity at a time, so that every checkpoint this worker logs belongs to the
    // GAN attempt it runs (the log line does not name the fold).
    const w = spawnWorker({ config: killed.path, state, queues: 'compute,extraction', computeConcurrency: 1 });
    spawned.push(w);
    return w;
  };
  let worker = startWorker();
  const kills: Kill[] = [];
  const deadline = Date.now() + 300_000;
  let evaluationKill: { fold: number; attempt: number } | undefined;
  while ((kills.length < KILLS || !evaluationKill) && !finished) {
    assert.ok(Date.now() < deadline, `only ${kills.length} kills within 5 minutes`);
    // Wait until this worker runs a GAN activity that has written two checkpoints in this
    // attempt, or (once) an evaluation.
    const target = await waitFor('a GAN attempt with two checkpoints, or an evaluation, on the current worker', async () => {
      if (finished) return null;
      assert.ok(worker.isRunning(), `worker ${worker.pid} ended by itself:\n${worker.output().slice(-4000)}`);
      const mine = (await startedActivities(client as Client, workflowId, 2)).filter((p) => p.identity === worker.identity);
      const gan = mine.find((p) => p.type === GAN_GROUP);
      if (gan && kills.length < KILLS && checkpointEpochs(worker.lines, gan.startedMs).length >= 2) return gan;
      return evaluationKill ? undefined : mine.find((p) => p.type === 'evaluate');
    }, 240_000, 100);
    if (!target) break;
    if (target.type === 'evaluate') {
      // An evaluation has no checkpoint: the point is that it is retried after the heartbeat
      // timeout, not after the start-to-close timeout (30 min here, hours in production).
      worker.child.kill('SIGKILL');
      assert.equal((await worker.exited).signal, 'SIGKILL');
      evaluationKill = { fold: target.fold, attempt: target.attempt };
      worker = startWorker();
      continue;
    }
    const running = target;
    // A random point after that: anywhere from right after the checkpoint to a few epochs later.
    const delayAfterCheckpointMs = Math.round(Math.random() * 1500);
    await sleep(delayAfterCheckpointMs);
    const still = (await startedActivities(client, workflowId, 2)).find((p) => p.type === GAN_GROUP && p.identity === worker.identity && p.fold === running.fold && p.attempt === running.attempt);
    if (!still) continue; // it finished meanwhile: look for the next one
    worker.child.kill('SIGKILL');
    const killedAt = Date.now();
    assert.equal((await worker.exited).signal, 'SIGKILL');
    const ckpts = checkpointEpochs(worker.lines, running.startedMs);
    const last = ckpts[ckpts.length - 1] as { epoch: number; time: number };
    const prev = ckpts[ckpts.length - 2] as { epoch: number; time: number };
    const msPerEpoch = (last.time - prev.time) / Math.max(1, last.epoch - prev.epoch);
    kills.push({
      worker: spawned.length - 1, fold: running.fold, attempt: running.attempt, lastCheckpoint: last.epoch,
      // No later checkpoint was written, so the attempt had not passed the next checkpoint epoch.
      reachedEstimate: Math.min(TOTAL_EPOCHS, last.epoch + CHECKPOINT_EVERY, last.epoch + Math.floor((killedAt - last.time) / msPerEpoch)),
      heartbeatEpoch: still.heartbeatEpoch, delayAfterCheckpointMs,
    });
    worker = startWorker();
  }
  assert.ok(evaluationKill, 'a worker was also killed while it ran an evaluation');
  assert.equal(kills.length, KILLS, `the experiment ended after ${kills.length} kills; make the GAN training longer`);

  const killedResult: ExperimentWorkflowResult = await withDeadline(result, Math.max(1, deadline - Date.now()), 'the killed experiment to finish').catch((err: unknown) => {
    const ended = spawned.filter((w) => !w.isRunning() && w !== worker);
    throw new Error(`${String(err)}; the last worker is ${worker.isRunning() ? 'running' : `gone:\n${worker.output().slice(-4000)}`} (${ended.length} ended before)`);
  });
  const baseline = await withDeadline(straightResult, 120_000, 'the uninterrupted experiment to finish');

  // Where each retried attempt started, from the workers' 'resuming' log lines (0 if none), per
  // repeat; a kill's is the member furthest behind.
  const resumes = spawned.flatMap((w) => w.lines.filter((l) => l.msg === 'resuming GAN training from a checkpoint'));
  const resumedFrom = (fold: number, attempt: number, repeat: number): number => {
    const line = resumes.find((l) => l.fold === fold && l.attempt === attempt && l.repeat === repeat);
    return typeof line?.epoch === 'number' ? line.epoch : 0;
  };
  for (const k of kills) k.resumedFrom = Math.min(...Array.from({ length: MEMBERS }, (_, r) => resumedFrom(k.fold, k.attempt + 1, r)));
  const report = kills.map((k) => ({
    fold: k.fold, attempt: k.attempt, killedAfterCheckpointMs: k.delayAfterCheckpointMs, serverHeartbeatEpoch: k.heartbeatEpoch,
    lastCheckpoint: k.lastCheckpoint, reachedEstimate: k.reachedEstimate, resumedFrom: k.resumedFrom,
    epochsLostEstimate: k.reachedEstimate - (k.resumedFrom ?? 0),
  }));
  console.log(`[worker-kill] kills: ${JSON.stringify(report)}; and one during an evaluation (fold ${evaluationKill.fold}, attempt ${evaluationKill.attempt})`);
  for (const k of kills) {
    // The retry starts from the newest checkpoint the killed attempt wrote (one interval earlier
    // only if the kill hit between writing it and naming it latest).
    assert.ok(
      k.resumedFrom !== undefined && k.resumedFrom >= k.lastCheckpoint - CHECKPOINT_EVERY + 1 && k.resumedFrom <= k.lastCheckpoint,
      `fold ${k.fold} attempt ${k.attempt} was killed after its checkpoint at epoch ${k.lastCheckpoint}, and attempt ${k.attempt + 1} resumed from epoch ${k.resumedFrom}: ` +
        `more than one checkpoint interval (${CHECKPOINT_EVERY}) of work lost`,
    );
  }

  // The same results as the uninterrupted run.
  assert.deepEqual(killedResult.rows, baseline.rows, 'the killed run has the same results as the uninterrupted one');
  assert.equal(killedResult.evaluations, baseline.evaluations);

  // MLflow: one run per key, one point per (metric, step), the same contents as the uninterrupted run.
  const killedRuns = await runsOf(mlflow, input(killed.settings, 'killed').mlflowExperiment);
  const straightRuns = await runsOf(mlflow, input(straight.settings, 'straight').mlflowExperiment);
  const [killedContents, straightContents] = [await mlflowContents(mlflow, killedRuns), await mlflowContents(mlflow, straightRuns)];
  assert.deepEqual([...killedContents.keys()].sort(), [...straightContents.keys()].sort(), 'the same runs');
  for (const [key, metrics] of straightContents) assert.deepEqual(killedContents.get(key), metrics, `the same metric histories in run ${key}`);
  const ganRuns = killedRuns.filter((r) => tag(r, 'serflow.kind') === 'gan');
  assert.equal(ganRuns.length, 2 * MEMBERS, 'one GAN run per fold and repeat');
  for (const run of ganRuns) {
    const histories = await metricHistories(mlflow, run);
    assert.equal(histories.get('loss/dT')?.length, TOTAL_EPOCHS, 'one loss point per epoch, none twice');
    const fold = Number(tag(run, 'serflow.fold_index'));
    const lastKill = [...kills].reverse().find((k) => k.fold === fold);
    const repeat = Number(tag(run, 'serflow.repeat'));
    if (lastKill) assert.equal(tag(run, 'serflow.resumed_from_epoch'), String(resumedFrom(fold, lastKill.attempt + 1, repeat)), `fold ${fold} repeat ${repeat}: the GAN run records where its last attempt resumed`);
    console.log(`[worker-kill] GAN run fold ${fold} repeat ${repeat}: serflow.resumed_from_epoch=${tag(run, 'serflow.resumed_from_epoch')}`);
  }
  console.log(`[worker-kill] ${spawned.length} worker processes, ${kills.length} kills, ${Math.round((Date.now() - started) / 1000)} s`);
});
