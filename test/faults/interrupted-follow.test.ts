/**
 * Ctrl-C while `serflow run` follows an experiment with its own workers: the Temporal runtime
 * stops the workers on SIGINT, so the command must not keep waiting for a workflow nothing will
 * finish. It exits with 130 and says how to continue; the workflow stays RUNNING in Temporal with
 * its finished work, and `serflow cancel` still reaches it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { experimentInput } from '../../cli/commands/run-command';
import { connectClient } from '../../infra/temporal/connection';
import { experimentProgressQuery } from '../../workflows/experiment';
import { writeTinyManifest } from '../support/tiny-experiment';
import { serflowBin, waitFor, withDeadline, writeStackConfig } from '../support/fault-kit';

let client: Client | undefined;
let workflowId: string | undefined;
let cli: ChildProcess | undefined;

after(async () => {
  if (cli && cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  if (client && workflowId) await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});

test('SIGINT to `serflow run` ends the command with 130 and a resume hint; the workflow stays running', { timeout: 180_000 }, async () => {
  const dir = writeTinyManifest();
  const stackDir = mkdtempSync(join(tmpdir(), 'serflow-interrupt-'));
  const { path: stackConfig, settings } = writeStackConfig(stackDir);
  const configFile = join(dir, 'experiment.yaml');
  // Enough GAN epochs that the experiment is still running when the signal arrives.
  writeFileSync(configFile, [
    `name: interrupt-${Date.now()}`, 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 1 }', 'methods: [{ method: cyclegan, loss: wdiv }]', 'amounts: [1.0]', 'classifiers: [svm]',
    'gan: { hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 0, epochs: 5000, checkpointEvery: 50, classifier: { hidden: [8], epochs: 2 } }',
  ].join('\n'));
  workflowId = experimentInput(configFile, settings).workflowId;
  client = await connectClient(settings, 5_000);

  const child = spawn(serflowBin, ['run', configFile], {
    env: { ...process.env, SERFLOW_STACK_CONFIG: stackConfig, SERFLOW_STATE: join(stackDir, 'state'), SERFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cli = child;
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Running its folds (the GAN training is under way in a fold workflow).
  const handle = client.workflow.getHandle(workflowId);
  await waitFor('the experiment to reach its folds', async () => {
    const progress = await handle.query(experimentProgressQuery).catch(() => undefined);
    return progress?.phase === 'evaluating' ? true : undefined;
  }, 120_000, 500);

  child.kill('SIGINT');
  const code = await withDeadline(exited, 30_000, 'serflow run to exit after SIGINT');
  assert.equal(code, 130, `exit code; stderr:\n${stderr}`);
  assert.match(stderr, new RegExp(`serflow resume ${workflowId}`), 'the hint names the resume command');
  assert.equal((await handle.describe()).status.name, 'RUNNING', 'the workflow lives on in Temporal');
});
