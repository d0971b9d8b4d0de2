/**
 * Workers on different artifact stores beside one experiment (composition/store-routing.ts): a
 * worker left running with another SERFLOW_STATE, or with a local store while the experiment
 * uses the MLflow-proxied one, never receives its tasks, so no activity is ever tried on a worker
 * that cannot read its inputs; the stray worker says so in one line naming both stores and the
 * fix, `serflow status` says which queue nobody serves, and the experiment completes on a
 * worker of its own store. And an activity that keeps failing is visible while it fails:
 * `serflow status --json` and the progress of `serflow run` show its attempt and last error
 * within a minute.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { experimentInput } from '../../cli/commands/run-command';
import { connectClient } from '../../infra/temporal/connection';
import { writeTinyManifest } from '../support/tiny-experiment';
import { spawnSerflow, spawnWorker, stopWorker, waitFor, withDeadline, writeStackConfig, type LogLine, type SpawnedWorker } from '../support/fault-kit';

const spawned: SpawnedWorker[] = [];
let client: Client | undefined;
const running: string[] = [];

after(async () => {
  for (const p of spawned) await stopWorker(p, 5_000);
  for (const id of running) await client?.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});

/** A one-fold, no-augmentation, SVM-only experiment file in a tiny EMO-DB corpus folder. */
function writeExperiment(label: string): string {
  const dir = writeTinyManifest();
  const file = join(dir, 'experiment.yaml');
  writeFileSync(file, [
    `name: ${label}-${randomUUID().slice(0, 8)}`, 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 1 }', 'methods: [none]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  return file;
}

function serflow(args: string[], options: { config: string; state: string; env?: NodeJS.ProcessEnv }): SpawnedWorker {
  const p = spawnSerflow(args, { ...options, env: { SERFLOW_LOG_LEVEL: 'warn', ...options.env } });
  spawned.push(p);
  return p;
}

async function finished(p: SpawnedWorker, what: string, timeoutMs = 240_000): Promise<string> {
  const { code } = await withDeadline(p.exited, timeoutMs, what);
  assert.equal(code, 0, `${what}: exit code; output:\n${p.output()}`);
  return p.output();
}

/** The `serflow status <id> --json` document. */
async function statusJson(id: string, options: { config: string; state: string; env?: NodeJS.ProcessEnv }): Promise<Record<string, unknown>> {
  const out = await finished(serflow(['status', id, '--json'], options), 'serflow status', 90_000);
  // stdout and stderr come as one: the document is the line with the execution's id and status (not a log record).
  const doc = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((d) => d.id === id && 'status' in d);
  assert.ok(doc, `serflow status printed JSON: ${out}`);
  return doc;
}

const isDiagnosis = (l: LogLine) => typeof l.msg === 'string' && l.msg.includes('keeps its artifacts in store');

/**
 * The experiment is launched from store A with no worker, a worker on store B joins, then
 * `serflow run` on store A brings its own workers and finishes it. Returns the stray worker's
 * diagnosis line and the launcher's `status` while nobody served the experiment.
 */
async function strayWorkerBeside(label: string, launcherEnv: NodeJS.ProcessEnv): Promise<{ diagnosis: string; unserved: string }> {
  const dir = mkdtempSync(join(tmpdir(), `serflow-${label}-`));
  const { path: config, settings } = writeStackConfig(dir);
  const temporal = (client ??= await connectClient(settings, 5_000));
  const file = writeExperiment(label);
  const launcher = { config, state: join(dir, 'state-a'), env: launcherEnv };
  const { workflowId } = experimentInput(file, settings);
  running.push(workflowId);

  await finished(serflow(['run', file, '--detach', '--no-worker'], launcher), 'serflow run --detach', 120_000);
  const stray = spawnWorker({ config, state: join(dir, 'state-b') });
  spawned.push(stray);
  const diagnosis = await waitFor('the stray worker to name both stores', () => stray.lines.find(isDiagnosis), 120_000);
  const status = await statusJson(workflowId, launcher);
  const unserved = (status.unserved as { message?: string } | undefined)?.message;
  assert.ok(unserved, `serflow status names the queue nobody serves: ${JSON.stringify(status)}`);

  const out = await finished(serflow(['run', file], launcher), 'serflow run with its own workers');
  assert.match(out, /MLflow: +http/, 'the result and its links');
  running.splice(running.indexOf(workflowId), 1);

  // Who ran what, and how often: from the experiment's and its fold's histories.
  let started = 0;
  for (const id of [workflowId, `${workflowId}/fold-0`]) {
    const history = await temporal.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      const s = e.activityTaskStartedEventAttributes;
      if (!s) continue;
      started++;
      assert.notEqual(s.identity, stray.identity, 'the stray worker took no activity');
      assert.equal(s.attempt, 1, 'no activity was retried: none was ever given to a worker that cannot read its inputs');
    }
  }
  assert.ok(started >= 4, `the activities ran (${started})`);
  await stopWorker(stray);
  assert.equal(stray.lines.filter(isDiagnosis).length, 1, 'one line per foreign store');
  console.log(`[store-routing] ${label}: stray worker said: ${String(diagnosis.msg)}\n[store-routing] ${label}: status said: ${unserved}`);
  return { diagnosis: String(diagnosis.msg), unserved };
}

test('a worker on another local store (another SERFLOW_STATE) never takes the experiment\'s work, says why in one line, and the experiment completes on its own store', { timeout: 420_000 }, async () => {
  const { diagnosis, unserved } = await strayWorkerBeside('two-local', {});
  assert.match(diagnosis, /keeps its artifacts in store local-[0-9a-f]{16} \(local artifact store .*state-a\/store\); this worker's store is local-[0-9a-f]{16} \(local artifact store .*state-b\/store\)/);
  assert.match(diagnosis, /Fix: start this worker with the same SERFLOW_STATE/);
  assert.match(unserved, /no worker polls .*@local-[0-9a-f]{16}: start `serflow worker` on store .* with SERFLOW_STATE=.*state-a/);
});

test('a worker on a local store beside an experiment on the MLflow-proxied store never takes its work, and says to set SERFLOW_STORE=mlflow', { timeout: 420_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'serflow-cache-'));
  const { diagnosis, unserved } = await strayWorkerBeside('mixed', { SERFLOW_STORE: 'mlflow', SERFLOW_CACHE_DIR: cache });
  assert.match(diagnosis, /keeps its artifacts in store mlflow-[0-9a-f]{16} \(MLflow artifact store http:.*\); this worker's store is local-[0-9a-f]{16}/);
  assert.match(diagnosis, /Fix: start this worker with SERFLOW_STORE=mlflow/);
  assert.match(unserved, /@mlflow-[0-9a-f]{16}: start `serflow worker` on store .* with SERFLOW_STORE=mlflow/);
});

test('an activity that keeps failing shows its attempt, worker, last error and since when in `serflow status --json` and in `serflow run`, within a minute', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-failing-'));
  const { path: config, settings } = writeStackConfig(dir);
  client ??= await connectClient(settings, 5_000);
  // A file where the store's objects folder should be: every attempt to store the features fails (as on a full disk).
  const state = join(dir, 'state');
  mkdirSync(join(state, 'store'), { recursive: true });
  writeFileSync(join(state, 'store', 'objects'), 'in the way');
  const worker = spawnWorker({ config, state });
  spawned.push(worker);
  await waitFor('the worker to start', () => worker.lines.find((l) => l.msg === 'worker started'), 120_000);

  const file = writeExperiment('failing');
  const { workflowId } = experimentInput(file, settings);
  running.push(workflowId);
  const launchedAt = Date.now();
  const follower = serflow(['run', file, '--no-worker'], { config, state });
  const retrying = await waitFor('serflow status --json to show the failing activity', async () => {
    const status = await statusJson(workflowId, { config, state }).catch(() => undefined);
    const list = (status?.retrying ?? []) as { activity: string; attempt: number; maximumAttempts: number; worker?: string; lastError: string; since?: string; workflowId: string }[];
    return list.find((a) => a.activity === 'extractFeatures');
  }, 120_000, 1_000);
  // From the activity's start (its first attempt, which then failed): the launching CLI's own start-up is not the activity's.
  assert.ok(retrying.since && Date.parse(retrying.since) >= launchedAt - 5_000, `since ${retrying.since}`);
  const seenAfter = (Date.now() - Date.parse(retrying.since)) / 1000;
  assert.ok(seenAfter < 60, `shown ${seenAfter.toFixed(1)} s after the activity started`);
  assert.ok(retrying.attempt >= 2, `attempt ${retrying.attempt}`);
  assert.equal(retrying.maximumAttempts, settings.temporal.activities.compute.retry.maximumAttempts);
  assert.equal(retrying.worker, worker.identity);
  assert.equal(retrying.workflowId, workflowId);
  assert.match(retrying.lastError, /^StoreWriteError: artifact store folder .*state\/store\/objects: a file is in the way/);
  assert.ok(!retrying.lastError.includes('\n'), 'one line');
  // The follower says it too, in one line per failed attempt.
  await waitFor('serflow run to show the retrying activity', () => (/serflow: retrying: extractFeatures in .*: attempt \d+ of 10 on \S+, pending since .*StoreWriteError/.test(follower.output()) ? true : undefined), 60_000, 500);
  console.log(`[store-routing] failing activity shown by status ${seenAfter.toFixed(1)} s after it started (${((Date.now() - launchedAt) / 1000).toFixed(1)} s after \`serflow run\` was spawned): ${JSON.stringify(retrying)}`);
});
