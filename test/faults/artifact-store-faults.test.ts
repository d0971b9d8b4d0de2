/**
 * Faults of the artifact store at the activity and experiment level (test/unit/store/local-folder-store
 * covers the store itself): a store folder that cannot be written is a clear error naming the
 * folder and the fix, with nothing taken as stored; a memoised artifact truncated or altered on
 * disk is detected by its hash on the next run of the experiment, and recomputed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFeatureActivities } from '../../activities/feature-activities';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { logger } from '../../logging/logger';
import { sha256Hex } from '../../store/artifact-store';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { tinyExperiment, writeTinyManifest } from '../support/tiny-experiment';
import { routedTo, spawnWorker, stopWorker, withDeadline, writeStackConfig, type SpawnedWorker } from '../support/fault-kit';
import { installation } from '../../composition/runtime-deps';

const spawned: SpawnedWorker[] = [];
let client: Client | undefined;

after(async () => {
  for (const w of spawned) await stopWorker(w);
  await client?.connection.close();
});

test('a store folder that cannot be written fails the extraction with the folder and the fix, and leaves no memo entry', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-store-fault-'));
  // A file where the store folder should be: unwritable even for root (unlike a chmod).
  const root = join(dir, 'store');
  writeFileSync(root, 'not a folder');
  const corpus = writeTinyManifest();
  const mlflow = new MlflowClient({ baseUrl: 'http://127.0.0.1:9' });
  const activities = createFeatureActivities({ logger, mlflow, runs: new RunRegistry(mlflow), store: new LocalFolderStore(root), workDir: join(dir, 'work'), installation });
  const input = { corpus: { kind: 'manifest' as const, path: 'manifest.csv', labels: ['anger', 'neutral'] }, features: { extractor: 'opensmile' as const, set: 'eGeMAPSv02', onError: 'fail' as const }, configDir: corpus };
  const err = await new MockActivityEnvironment().run(activities.extractFeatures, input).then(() => undefined, (e: unknown) => e as Error);
  assert.ok(err, 'the extraction fails');
  assert.equal(err.name, 'StoreWriteError', `a StoreWriteError (retried by the activity's policy, as I/O): ${err.message}`);
  assert.match(err.message, new RegExp(`artifact store folder ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/store`));
  assert.match(err.message, /Fix: /);
  assert.equal(readFileSync(root, 'utf8'), 'not a folder', 'nothing was written over it');
  const memo = await new LocalFolderStore(root).resolveName('memo/features/x').catch(() => undefined);
  assert.equal(memo, undefined);
});

/** Keys the store's name index points at, by name (memo/<kind>/<hash>). */
function namesOf(storeRoot: string): Map<string, string> {
  const names = join(storeRoot, 'names');
  const out = new Map<string, string>();
  for (const p of readdirSync(names, { recursive: true }) as string[]) {
    if (!p.endsWith('.key')) continue;
    out.set(p.slice(0, -'.key'.length), readFileSync(join(names, p), 'utf8').trim());
  }
  return out;
}

function objectPath(storeRoot: string, key: string): string {
  return join(storeRoot, 'objects', key.slice(0, 2), key);
}

test('a truncated feature matrix and an altered memo entry in the store are detected by their hash and recomputed by a re-run of the experiment', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-corrupt-'));
  const state = join(dir, 'state');
  mkdirSync(state);
  const { path: stackConfig, settings: configured } = writeStackConfig(dir);
  const { settings, store } = await routedTo(configured, { state });
  client = await connectClient(settings, 5_000);
  const { config, configHash, configDir } = tinyExperiment({ methods: ['none', 'smote'], classifiers: ['svm'], protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 7, maxFolds: 2 } });
  const input: ExperimentWorkflowInput = { config, configHash, configDir, mlflowExperiment: `faults-corrupt-${randomUUID().slice(0, 8)}`, orchestration: orchestrationSettings(settings, store) };
  // Worker processes (not this one): their in-memory caches die with them, so the second run reads the store.
  const run = async (name: string): Promise<{ result: ExperimentWorkflowResult; worker: SpawnedWorker }> => {
    const worker = spawnWorker({ config: stackConfig, state });
    spawned.push(worker);
    const result = await withDeadline((client as Client).workflow.execute(experimentWorkflow, {
      workflowId: `faults-corrupt-${name}-${randomUUID()}`, taskQueue: settings.temporal.taskQueues.orchestration, args: [input],
    }), 200_000, `the ${name} run`);
    await stopWorker(worker);
    return { result, worker };
  };

  const first = await run('first');
  const storeRoot = join(state, 'store');
  const names = namesOf(storeRoot);
  const featureKey = first.result.features.featureKey;
  const matrixFile = objectPath(storeRoot, featureKey);
  truncateSync(matrixFile, Math.floor(statSync(matrixFile).size / 2));
  const evaluationMemo = [...names].find(([name]) => name.startsWith('memo/evaluation/'));
  assert.ok(evaluationMemo, 'an evaluation memo entry');
  const memoFile = objectPath(storeRoot, evaluationMemo[1]);
  const entry = JSON.parse(readFileSync(memoFile, 'utf8')) as { uar: number };
  writeFileSync(memoFile, JSON.stringify({ ...entry, uar: entry.uar === 0 ? 0.5 : 0 }));

  const second = await run('second');
  assert.deepEqual(second.result.rows, first.result.rows, 'the re-run has the results of the first run, not the altered ones');
  assert.ok(second.result.memoHits < second.result.memoLookups, `the corrupted pieces were recomputed (memo ${second.result.memoHits}/${second.result.memoLookups})`);
  const removed = second.worker.lines.filter((l) => l.msg === 'corrupt artifact removed').map((l) => l.key);
  assert.ok(removed.includes(featureKey), `the truncated matrix was detected (removed: ${JSON.stringify(removed)})`);
  assert.ok(removed.includes(evaluationMemo[1]), 'the altered memo entry was detected');
  // The store is whole again: every object hashes to its key.
  for (const key of new Set(namesOf(storeRoot).values())) {
    assert.equal(sha256Hex(readFileSync(objectPath(storeRoot, key))), key, `object ${key} is intact`);
  }
  assert.equal(sha256Hex(readFileSync(matrixFile)), featureKey, 'the feature matrix was stored again');
  console.log(`[artifact-store-faults] re-run memo ${second.result.memoHits}/${second.result.memoLookups}; corrupt objects detected: ${removed.length}`);
});
