/**
 * Two `serflow worker` processes that share nothing but the servers: the artifact store is
 * MLflow's artifact proxy (SERFLOW_STORE=mlflow), each keeps its own read-through cache and
 * state folder. A small sweep runs on both; then one is killed in the middle of a GAN training
 * and the survivor finishes everything, resuming that training from the checkpoint the dead
 * worker left in the shared store.
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { sweepInput } from '../../cli/commands/sweep-command';
import { connectClient } from '../../infra/temporal/connection';
import { MlflowClient } from '../../tracking/mlflow-client';
import { sweepWorkflow, type SweepOutcome } from '../../workflows/sweep';
import { writeTinyManifest } from '../support/tiny-experiment';
import { assertOneRunPerKey, routedTo, runsOf, sleep, spawnWorker, stopWorker, waitFor, withDeadline, writeStackConfig, type LogLine, type SpawnedWorker } from '../support/fault-kit';

const spawned: SpawnedWorker[] = [];
let client: Client | undefined;
let workflowId: string | undefined;

after(async () => {
  for (const w of spawned) await stopWorker(w);
  if (client && workflowId) await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});

function checkpoints(lines: LogLine[]): number[] {
  return lines.flatMap((l) => {
    const m = typeof l.label === 'string' ? /^gan checkpoint epoch (\d+)$/.exec(l.label) : null;
    return m ? [Number(m[1])] : [];
    // The cache and the shared store each log a checkpoint they store: count each epoch once.
  }).filter((epoch, i, all) => epoch !== all[i - 1]);
}

test('two workers sharing only the servers both take work; one is killed mid-GAN and the other finishes from the shared checkpoint', { timeout: 300_000 }, async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'serflow-two-'));
  const { path: stackConfig, settings: configured } = writeStackConfig(dir);
  const { settings, store } = await routedTo(configured, 'mlflow');
  const corpus = writeTinyManifest();
  // A fresh seed: the shared store (MLflow's artifact proxy) outlives test runs, and the GAN memo
  // of an earlier run must not answer for this one.
  const seed = randomInt(1, 2 ** 31);
  writeFileSync(join(corpus, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    `protocol: { folds: { kind: loso }, repeats: 1, seed: ${seed}, maxFolds: 2 }`, 'methods: [none, { method: cyclegan, loss: wdiv }]', 'amounts: [1.0]', 'classifiers: [svm]',
    'gan: { hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 1, epochs: 30, checkpointEvery: 5, classifier: { hidden: [8], epochs: 5 } }',
  ].join('\n'));
  const sweepFile = join(corpus, 'sweep.yaml');
  writeFileSync(sweepFile, [`name: two-${randomUUID().slice(0, 8)}`, 'base: base.yaml', 'search: { kind: grid, space: { gan.lambdaCls: [0.5, 1] } }', 'concurrency: 2'].join('\n'));

  const start = (name: string) => {
    const w = spawnWorker({
      config: stackConfig, state: join(dir, `state-${name}`), computeConcurrency: 1,
      env: { SERFLOW_STORE: 'mlflow', SERFLOW_CACHE_DIR: join(dir, `cache-${name}`) },
    });
    spawned.push(w);
    return w;
  };
  const a = start('a');
  const b = start('b');
  client = await connectClient(settings, 5_000);
  const launch = sweepInput(sweepFile, settings, store);
  workflowId = launch.workflowId;
  const handle = await client.workflow.start(sweepWorkflow, { workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [launch.input] });
  const result = handle.result();
  result.catch(() => undefined);

  // Kill A once it has checkpointed a GAN training (one compute activity at a time per worker,
  // so its checkpoints belong to the training it runs).
  const victimCheckpoint = await waitFor('worker A to checkpoint a GAN training', () => {
    const c = checkpoints(a.lines);
    const last = c[c.length - 1];
    // From the second checkpoint on, so that one is surely published under the progress name.
    return last !== undefined && last >= 10 && last < 31 ? last : undefined;
  }, 200_000, 100);
  // Anywhere in the next epochs.
  await sleep(Math.round(Math.random() * 1500));
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  assert.equal((await a.exited).signal, 'SIGKILL');
  const aCheckpoints = checkpoints(a.lines);
  const lastOfA = aCheckpoints[aCheckpoints.length - 1] as number;

  const outcomes: SweepOutcome[] = (await withDeadline(result, 240_000, 'the sweep to finish on the surviving worker')).outcomes;
  assert.equal(outcomes.length, 2);
  workflowId = undefined;

  // Who did what: the started activities per worker identity, from the histories.
  const ids = [launch.workflowId, ...outcomes.flatMap((o) => [`${launch.workflowId}/${o.name}`, ...[0, 1].map((f) => `${launch.workflowId}/${o.name}/fold-${f}`)])];
  const byWorker = new Map<string, { before: number; after: number }>();
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      const startedEvent = e.activityTaskStartedEventAttributes;
      if (!startedEvent) continue;
      const at = Number(String(e.eventTime?.seconds ?? 0)) * 1000;
      const entry = byWorker.get(startedEvent.identity ?? '?') ?? { before: 0, after: 0 };
      if (at <= killedAt) entry.before++;
      else entry.after++;
      byWorker.set(startedEvent.identity ?? '?', entry);
    }
  }
  console.log(`[two-workers] activities started per worker (before/after the kill): ${JSON.stringify(Object.fromEntries(byWorker))}; A=${a.identity} B=${b.identity}`);
  assert.ok((byWorker.get(a.identity)?.before ?? 0) > 0, 'worker A took work');
  assert.ok((byWorker.get(b.identity)?.before ?? 0) + (byWorker.get(b.identity)?.after ?? 0) > 0, 'worker B took work');
  assert.equal(byWorker.get(a.identity)?.after ?? 0, 0, 'nothing started on A after its death');
  assert.ok((byWorker.get(b.identity)?.after ?? 0) > 0, 'B carried on after the kill');

  // B resumed A's training from A's last checkpoint, read from the shared store.
  const resumes = b.lines.filter((l) => l.msg === 'resuming GAN training from a checkpoint').map((l) => Number(l.epoch));
  console.log(`[two-workers] A checkpointed ${JSON.stringify(aCheckpoints)} (kill after epoch ${victimCheckpoint}); B resumed from ${JSON.stringify(resumes)}; ${Math.round((Date.now() - started) / 1000)} s`);
  // (One interval earlier only if the kill fell between caching a checkpoint and publishing it.)
  assert.ok(resumes.some((r) => r === lastOfA || r === lastOfA - 5), `B resumed from epoch ${lastOfA}, A's last checkpoint (B's resumes: ${JSON.stringify(resumes)})`);

  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  assertOneRunPerKey(await runsOf(mlflow, launch.input.mlflowExperiment));
});
