/**
 * The same sweep launched several times at once, as `serflow sweep` launches it (deterministic
 * workflow id, workflowIdConflictPolicy USE_EXISTING): two concurrent starts through the client
 * and two concurrent `serflow sweep --detach` processes all end up on one execution (the same
 * run id); it runs once, and MLflow holds one run per key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { sweepInput } from '../../cli/commands/sweep-command';
import { connectClient } from '../../infra/temporal/connection';
import { MlflowClient } from '../../tracking/mlflow-client';
import { sweepWorkflow, type SweepOutcome } from '../../workflows/sweep';
import { writeTinyManifest } from '../support/tiny-experiment';
import { assertOneRunPerKey, runsOf, serflowBin, tag, waitFor, withDeadline, writeStackConfig } from '../support/fault-kit';
import { startInProcessWorkers, type InProcessWorkers } from '../support/in-process-workers';

const run = promisify(execFile);
let client: Client | undefined;
let workers: InProcessWorkers | undefined;
let workflowId: string | undefined;

after(async () => {
  await workers?.stop();
  if (client && workflowId) {
    // Never leave a running execution behind (only if the test failed before it finished).
    await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  }
  await client?.connection.close();
});

test('a sweep launched twice through the client and twice through `serflow sweep` at the same time runs once: every launch attaches to one execution', { timeout: 240_000 }, async () => {
  const dir = writeTinyManifest();
  const stackDir = mkdtempSync(join(tmpdir(), 'serflow-duplicate-'));
  const { path: stackConfig, settings } = writeStackConfig(stackDir);
  const name = `dup-${randomUUID().slice(0, 8)}`;
  writeFileSync(join(dir, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 1 }', 'methods: [none]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  const sweepFile = join(dir, 'sweep.yaml');
  writeFileSync(sweepFile, [`name: ${name}`, 'base: base.yaml', 'search: { kind: grid, space: { svm.C: [0.5, 2] } }', 'concurrency: 2'].join('\n'));

  client = await connectClient(settings, 5_000);
  const launch = sweepInput(sweepFile, settings);
  workflowId = launch.workflowId;
  const start = () => (client as Client).workflow.start(sweepWorkflow, {
    workflowId: launch.workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [launch.input], workflowIdConflictPolicy: 'USE_EXISTING',
  });
  // Two launches racing through the client.
  const [first, second] = await Promise.all([start(), start()]);
  assert.equal(first.workflowId, second.workflowId);
  assert.ok(first.firstExecutionRunId, 'the first launch has a run id');
  assert.equal(second.firstExecutionRunId, first.firstExecutionRunId, 'the second launch attached to the same run');

  // Two `serflow sweep --detach` processes racing: both attach to the execution that is already running.
  const env = { ...process.env, SERFLOW_STACK_CONFIG: stackConfig, SERFLOW_LOG_LEVEL: 'warn' };
  const cli = () => run(serflowBin, ['sweep', sweepFile, '--detach', '--json', '--no-worker'], { env, timeout: 120_000 });
  const outputs = await Promise.all([cli(), cli()]);
  // Each names the execution it attached to: the one the client started first.
  for (const out of outputs) assert.deepEqual(JSON.parse(out.stdout.trim()), { workflowId: launch.workflowId, runId: first.firstExecutionRunId }, `serflow sweep printed ${out.stdout} ${out.stderr}`);
  const running = await client.workflow.getHandle(launch.workflowId).describe();
  assert.equal(running.runId, first.firstExecutionRunId, 'the CLI launches attached to the same run');

  workers = await startInProcessWorkers({ settings, storeDir: mkdtempSync(join(tmpdir(), 'serflow-store-')), mlflow: new MlflowClient({ baseUrl: settings.mlflow.trackingUri }) });
  const outcomes: SweepOutcome[] = (await withDeadline(first.result(), 180_000, 'the sweep to finish')).outcomes;
  assert.equal(outcomes.length, 2);
  assert.equal(await second.result().then((o) => o.outcomes.length), 2, 'the attached handle sees the same result');

  // One execution of this id, ever.
  const executions = await waitFor('the finished sweep in the visibility store', async () => {
    const found: { runId: string; status: string }[] = [];
    for await (const w of (client as Client).workflow.list({ query: `WorkflowId = '${launch.workflowId}'` })) found.push({ runId: w.runId, status: w.status.name });
    return found.some((f) => f.status === 'COMPLETED') ? found : undefined;
  }, 30_000, 500);
  assert.deepEqual(executions, [{ runId: first.firstExecutionRunId, status: 'COMPLETED' }], 'exactly one execution');

  // MLflow: one sweep run, one parent per configuration, one run per key.
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  const runs = await runsOf(mlflow, launch.input.mlflowExperiment);
  assertOneRunPerKey(runs);
  const kinds = runs.map((r) => tag(r, 'serflow.kind'));
  assert.equal(kinds.filter((k) => k === 'sweep').length, 1, 'one sweep run');
  assert.equal(kinds.filter((k) => k === 'experiment').length, 2, 'one parent run per configuration');
  workflowId = undefined;
});
