/**
 * Secrets stay secret by default: MLflow credentials given as user:password@ in
 * MLFLOW_TRACKING_URI, as MLFLOW_TRACKING_USERNAME/PASSWORD or as MLFLOW_TRACKING_TOKEN never
 * appear in log lines (debug level included), error messages, stack traces printed with
 * SERFLOW_DEBUG, MLflow params or tags, or request URLs; they travel only in the Authorization
 * header.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { mlflowExperimentUrl, mlflowRunUrl } from '../../cli/display/links';
import { loadStackSettings } from '../../infra/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { MlflowClient } from '../../tracking/mlflow-client';
import { smokeWorkflow } from '../../workflows/smoke';
import { emodbWavDir } from '../support/test-stack';
import { routedTo, runsOf, serflowBin, spawnWorker, stopWorker, withDeadline, writeStackConfig, type SpawnedWorker } from '../support/fault-kit';

const run = promisify(execFile);
const USER = 'alice';
const URL_PASSWORD = 'UrlPw-7f3a9c';
const ENV_PASSWORD = 'EnvPw-2b8e41';
const TOKEN = 'TokenXyz-5d0c77';
const SECRETS = [URL_PASSWORD, ENV_PASSWORD, TOKEN, ...[URL_PASSWORD, ENV_PASSWORD].map((p) => Buffer.from(`${USER}:${p}`).toString('base64'))];

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains the secret ${s}:\n${text.slice(0, 3000)}`);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let fake: Server | undefined;
let worker: SpawnedWorker | undefined;
let client: Client | undefined;

after(async () => {
  await stopWorker(worker);
  await client?.connection.close();
  if (fake) await new Promise<void>((r) => (fake as Server).close(() => r()));
});

test('MlflowClient and printed links: credentials leave the base URL and never reach an error message or a link', async () => {
  const port = await closedPort();
  const mlflow = new MlflowClient({ baseUrl: `http://${USER}:${URL_PASSWORD}@127.0.0.1:${port}`, retry: { totalTimeoutMs: 300 } });
  assertNoSecret(mlflow.baseUrl, 'baseUrl');
  const err = await mlflow.getRun('abc').then(() => undefined, (e: unknown) => e as Error);
  assert.ok(err, 'an unreachable server is an error');
  assert.equal(err.name, 'MlflowUnavailableError');
  assertNoSecret(`${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`, 'the unavailable error');
  // The links `serflow run` and `report` print.
  const settings = structuredClone(loadStackSettings());
  settings.mlflow.trackingUri = `http://${USER}:${URL_PASSWORD}@127.0.0.1:${port}/`;
  assert.equal(mlflowRunUrl(settings, '1', 'abc'), `http://127.0.0.1:${port}/#/experiments/1/runs/abc?workflowType=machine_learning`);
  assertNoSecret(mlflowExperimentUrl(settings, '1'), 'an MLflow link');
  for (const bad of [`ftp://${USER}:${URL_PASSWORD}@127.0.0.1/`, `http://${USER}:${URL_PASSWORD}@[bad`]) {
    assert.throws(() => new MlflowClient({ baseUrl: bad }), (e: Error) => {
      assertNoSecret(e.message, 'the bad-URI error');
      return e.name === 'InputError';
    });
  }
});

test('`serflow report` against a server that refuses and echoes the Authorization header: the secret is sent only in the header and never printed', { timeout: 120_000 }, async () => {
  const requests: { url: string; authorization: string | undefined }[] = [];
  fake = createServer((req: IncomingMessage, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(403, { 'content-type': 'application/json' });
    // A hostile or careless server: it repeats what it was sent.
    res.end(JSON.stringify({ error_code: 'PERMISSION_DENIED', message: `Permission denied; you sent Authorization: ${req.headers.authorization ?? ''} for ${req.url ?? ''}` }));
  });
  await new Promise<void>((r) => (fake as Server).listen(0, '127.0.0.1', () => r()));
  const { port } = fake.address() as { port: number };
  const out = mkdtempSync(join(tmpdir(), 'serflow-secret-'));
  const env = {
    ...process.env, MLFLOW_TRACKING_URI: `http://${USER}:${URL_PASSWORD}@127.0.0.1:${port}`,
    SERFLOW_LOG_LEVEL: 'debug', SERFLOW_LOG_PRETTY: '0', SERFLOW_DEBUG: '1',
  };
  for (const extra of [{}, { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: ENV_PASSWORD }, { MLFLOW_TRACKING_TOKEN: TOKEN }]) {
    const res = await run(serflowBin, ['report', `run-${randomUUID().slice(0, 8)}`, '--out', out], { env: { ...env, ...extra }, timeout: 90_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.notEqual(res.code, 0, 'refused by the server: a failure');
    assert.match(res.stderr, /403|PERMISSION_DENIED|Permission denied/, 'the error says what happened');
    assertNoSecret(`${res.stdout}\n${res.stderr}`, `serflow report output (${Object.keys(extra).join(', ') || 'URL credentials'})`);
  }
  assert.ok(requests.length >= 3, 'the server was asked');
  for (const r of requests) {
    assertNoSecret(r.url, 'a request URL');
    assert.match(r.authorization ?? '', /^(Basic|Bearer) /, `credentials travel in the Authorization header: ${JSON.stringify(requests)}`);
  }
  assert.ok(requests.some((r) => r.authorization === `Basic ${Buffer.from(`${USER}:${URL_PASSWORD}`).toString('base64')}`), 'URL credentials were used');
  assert.ok(requests.some((r) => r.authorization === `Bearer ${TOKEN}`), 'the token was used');
});

test('`serflow status` with an unreachable Temporal server: exit 3, and no credential in its output', { timeout: 120_000 }, async () => {
  const port = await closedPort();
  const env = {
    ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, MLFLOW_TRACKING_URI: `http://${USER}:${URL_PASSWORD}@${new URL(loadStackSettings().mlflow.trackingUri).host}`,
    MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: ENV_PASSWORD, SERFLOW_LOG_LEVEL: 'debug', SERFLOW_LOG_PRETTY: '0', SERFLOW_DEBUG: '1',
  };
  const res = await run(serflowBin, ['status', 'no-such-experiment'], { env, timeout: 90_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(res.code, 3, `exit code 3 (stack unreachable); stderr: ${res.stderr}`);
  assert.match(res.stderr, /cannot reach the Temporal server/);
  assertNoSecret(`${res.stdout}\n${res.stderr}`, 'serflow status output');
});

test('a worker with credentials in MLFLOW_TRACKING_URI and the environment: debug logs, MLflow params and tags of its runs hold no secret', { timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-secret-worker-'));
  const { path, settings: configured } = writeStackConfig(dir);
  const { settings, store } = await routedTo(configured, 'mlflow');
  worker = spawnWorker({
    config: path, state: join(dir, 'state'),
    env: {
      MLFLOW_TRACKING_URI: `http://${USER}:${URL_PASSWORD}@${new URL(loadStackSettings().mlflow.trackingUri).host}`, MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: ENV_PASSWORD,
      SERFLOW_STORE: 'mlflow', SERFLOW_CACHE_DIR: join(dir, 'cache'), SERFLOW_LOG_LEVEL: 'debug',
    },
  });
  client = await connectClient(settings, 5_000);
  const experimentName = `faults-secrets-${randomUUID().slice(0, 8)}`;
  const result = await withDeadline(client.workflow.execute(smokeWorkflow, {
    workflowId: `faults-secrets-${randomUUID()}`, taskQueue: settings.temporal.taskQueues.orchestration,
    args: [{
      training: { corpusDir: emodbWavDir, emotions: ['anger', 'neutral'], maxFiles: 12, epochs: 3, hidden: 8, learningRate: 0.01, seed: 3, experimentName },
      orchestration: orchestrationSettings(settings, store),
    }],
  }), 120_000, 'the smoke workflow on the worker');
  assert.ok(result.runId);
  await stopWorker(worker);
  const output = worker.output();
  assert.ok(worker.lines.length > 0, 'the worker logged');
  assertNoSecret(output, 'the worker log');

  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  const runs = await runsOf(mlflow, experimentName);
  assert.equal(runs.length, 1);
  for (const r of runs) {
    assertNoSecret(JSON.stringify(r.data.params ?? []), 'MLflow params');
    assertNoSecret(JSON.stringify(r.data.tags ?? []), 'MLflow tags');
    assertNoSecret(JSON.stringify(r.info), 'MLflow run info');
  }
});
