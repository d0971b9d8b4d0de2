/**
 * MLflow unreachable for 60 s in the middle of an experiment. The activities talk to MLflow
 * through a TCP proxy on 127.0.0.1 in front of the test MLflow server; the proxy is closed (open
 * connections cut, new ones refused) and reopened on the same port. The same config runs beside
 * it straight to MLflow, as the outage-free expectation.
 *
 * Proves: MLflow requests are retried with capped exponential backoff (every delay within the
 * policy's bound), the experiment completes, and afterwards MLflow holds the same runs and the
 * same metric points as the outage-free run: none missing, none twice.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { MlflowClient } from '../../tracking/mlflow-client';
import type { MinimalLogger } from '../../foundation/minimal-logger';
import { RunRegistry } from '../../tracking/run-registry';
import { experimentWorkflow, type ExperimentProgress, type ExperimentWorkflowInput } from '../../workflows/experiment';
import { tinyExperiment } from '../support/tiny-experiment';
import { mlflowContents, runsOf, sleep, waitFor, withDeadline, writeStackConfig } from '../support/fault-kit';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';

const OUTAGE_MS = 60_000;
// The client's defaults (tracking/retry-policy.ts): the bound of attempt n's delay.
const INITIAL_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

const workers: InProcessWorkers[] = [];
let client: Client | undefined;
let proxy: TcpProxy | undefined;

after(async () => {
  await proxy?.close();
  for (const w of workers) await w.stop();
  await client?.connection.close();
});

/** A TCP proxy to 127.0.0.1:<target> that can be taken down (cutting every connection) and brought back on its port. */
class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async open(): Promise<void> {
    const server = createServer((downstream) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [downstream, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      downstream.pipe(upstream).pipe(downstream);
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface RetryRecord {
  at: number;
  endpoint: string;
  attempt: number;
  delayMs: number;
  error: string;
}

test('MLflow unreachable for 60 s mid-run: requests retry with capped backoff, the experiment completes, and no metric point is missing or doubled', { timeout: 300_000 }, async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'serflow-outage-'));
  const outage = writeStackConfig(dir);
  const straight = writeStackConfig(dir);
  const mlflowPort = Number(new URL(outage.settings.mlflow.trackingUri).port);
  proxy = new TcpProxy(mlflowPort);
  await proxy.open();

  const retries: RetryRecord[] = [];
  const recorder: MinimalLogger = {
    info() {},
    warn(obj, msg) {
      if (msg === 'MLflow request failed; retrying') {
        retries.push({ at: Date.now(), endpoint: String(obj.endpoint), attempt: Number(obj.attempt), delayMs: Number(obj.delayMs), error: String(obj.error) });
      }
    },
  };
  const proxied = new MlflowClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, logger: recorder });
  const direct = new MlflowClient({ baseUrl: outage.settings.mlflow.trackingUri });
  workers.push(await startInProcessWorkers({ settings: outage.settings, storeDir: join(dir, 'store-outage'), mlflow: proxied, runs: new RunRegistry(proxied, { logger: recorder }) }));
  workers.push(await startInProcessWorkers({ settings: straight.settings, storeDir: join(dir, 'store-straight'), mlflow: direct }));
  client = await connectClient(outage.settings, 5_000);

  const { config, configHash, configDir } = tinyExperiment({
    gan: { hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 1, epochs: 30, checkpointEvery: 5, classifier: { hidden: [8], epochs: 5 } },
  });
  const tag8 = randomUUID().slice(0, 8);
  const input = (settings: typeof outage.settings, name: string): ExperimentWorkflowInput => ({
    config, configHash, configDir, mlflowExperiment: `faults-outage-${name}-${tag8}`, orchestration: orchestrationSettings(settings),
  });
  const workflowId = `faults-outage-${tag8}`;
  const handle = await client.workflow.start(experimentWorkflow, { workflowId, taskQueue: outage.settings.temporal.taskQueues.orchestration, args: [input(outage.settings, 'cut')] });
  const straightResult = client.workflow.execute(experimentWorkflow, {
    workflowId: `${workflowId}-straight`, taskQueue: straight.settings.temporal.taskQueues.orchestration, args: [input(straight.settings, 'straight')],
  });
  straightResult.catch(() => undefined);

  // Mid-run: the folds (GAN training, evaluations) have started.
  await waitFor('the experiment to reach its folds', async () => {
    const p = await handle.query<ExperimentProgress>('progress').catch(() => undefined);
    return p && (p.phase === 'evaluating' || p.phase === 'summarising' || p.phase === 'done') ? p : undefined;
  }, 150_000, 200);
  const phaseAtCut = (await handle.query<ExperimentProgress>('progress')).phase;
  assert.equal(phaseAtCut, 'evaluating', 'the outage starts while the folds run');
  const cutAt = Date.now();
  await proxy.close();
  await sleep(OUTAGE_MS);
  await proxy.open();
  const reopenedAt = Date.now();

  const result = await withDeadline(handle.result(), 150_000, 'the experiment to finish after the outage');
  const baseline = await withDeadline(straightResult, 60_000, 'the outage-free experiment to finish');
  assert.deepEqual(result.rows, baseline.rows, 'the same results as the outage-free run');

  // Retry behaviour during the outage.
  const during = retries.filter((r) => r.at >= cutAt && r.at <= reopenedAt + MAX_DELAY_MS);
  assert.ok(during.length > 0, 'MLflow requests were retried during the outage');
  for (const r of retries) {
    const bound = Math.min(INITIAL_DELAY_MS * 2 ** (r.attempt - 1), MAX_DELAY_MS);
    assert.ok(r.delayMs <= bound + 1, `${r.endpoint} attempt ${r.attempt}: delay ${r.delayMs} ms is within the backoff bound ${bound} ms`);
  }
  const maxAttempt = Math.max(...during.map((r) => r.attempt));
  assert.ok(maxAttempt >= 8, `a request kept retrying through the outage (highest attempt ${maxAttempt})`);
  const lastRetry = Math.max(...retries.map((r) => r.at));
  const endpoints = [...new Set(during.map((r) => r.endpoint))];
  const delays = during.map((r) => r.delayMs).sort((a, b) => a - b);
  console.log(`[mlflow-outage] ${during.length} retries during the ${OUTAGE_MS / 1000} s outage on ${endpoints.length} endpoints (${endpoints.join(', ')}); ` +
    `highest attempt ${maxAttempt}; delays min ${delays[0]} median ${delays[Math.floor(delays.length / 2)]} max ${delays[delays.length - 1]} ms; ` +
    `last retry ${Math.round((lastRetry - reopenedAt) / 100) / 10} s after the reopen; errors: ${[...new Set(during.map((r) => r.error))].slice(0, 3).join(' | ')}`);
  console.log(`[mlflow-outage] first attempts of one request: ${JSON.stringify(during.filter((r) => r.endpoint === during[0]?.endpoint).slice(0, 12).map((r) => [r.attempt, r.delayMs]))}`);

  // Temporal's view: activity attempts that failed or timed out because of the outage (retried, not fatal).
  const failedAttempts: string[] = [];
  for (const id of [workflowId, `${workflowId}/fold-0`, `${workflowId}/fold-1`]) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.activityTaskTimedOutEventAttributes) failedAttempts.push(`${id}: timed out (${e.activityTaskTimedOutEventAttributes.failure?.message ?? ''})`);
      if (e.activityTaskFailedEventAttributes) failedAttempts.push(`${id}: failed (${e.activityTaskFailedEventAttributes.failure?.message ?? ''})`);
    }
  }
  console.log(`[mlflow-outage] activity attempts lost to the outage: ${failedAttempts.length ? failedAttempts.join('; ') : 'none'}`);

  // No metric missing, none doubled: the same runs and metric histories as the outage-free run.
  const cut = await mlflowContents(direct, await runsOf(direct, input(outage.settings, 'cut').mlflowExperiment));
  const clean = await mlflowContents(direct, await runsOf(direct, input(straight.settings, 'straight').mlflowExperiment));
  assert.deepEqual([...cut.keys()].sort(), [...clean.keys()].sort(), 'the same runs');
  let points = 0;
  for (const [key, metrics] of clean) {
    assert.deepEqual(cut.get(key), metrics, `the same metric histories in run ${key}`);
    for (const values of metrics.values()) points += values.length;
  }
  console.log(`[mlflow-outage] ${clean.size} runs, ${points} metric points, all present once; ${Math.round((Date.now() - started) / 1000)} s`);
});
