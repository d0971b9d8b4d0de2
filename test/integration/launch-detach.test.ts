/**
 * The one launch path (cli/launch/launch-workflow.ts) closes what it opened: `run --detach`
 * returns with its Temporal connection shut down, so a script driving serflow from Node does not
 * keep a live gRPC channel. Before it, run's own copy of the launch sequence left the connection
 * READY (this test saw gRPC state 2 there).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { experimentInput } from '../../cli/commands/run-command';
import { loadStackSettings } from '../../infra/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { writeTinyManifest } from '../support/tiny-experiment';
import { repo, withDeadline } from '../support/fault-kit';

let client: Client | undefined;
let workflowId: string | undefined;

after(async () => {
  if (client && workflowId) await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});

test('runCommand with --detach returns with every Temporal connection it opened shut down, and its process ends by itself', { timeout: 120_000 }, async () => {
  const dir = writeTinyManifest();
  const configFile = join(dir, 'experiment.yaml');
  writeFileSync(configFile, [
    `name: detach-${Date.now()}`, 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 1 }', 'methods: [none]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  workflowId = experimentInput(configFile, loadStackSettings()).workflowId;
  client = await connectClient(loadStackSettings(), 5_000);

  // The child records every Temporal connection it opens; when runCommand has returned, each
  // must be shut down (gRPC connectivity state SHUTDOWN = 4), and the process must then end by
  // itself (no process.exit here).
  const script = [
    "const { Connection } = require('@temporalio/client');",
    'const opened = []; const connect = Connection.connect.bind(Connection);',
    'Connection.connect = async (...args) => { const c = await connect(...args); opened.push(c); return c; };',
    `import('./cli/commands/run-command.ts').then((m) => (m.runCommand ?? m.default.runCommand)(${JSON.stringify(configFile)}, { worker: false, json: true, detach: true }))`,
    "  .then((code) => { process.exitCode = code; console.error(['runCommand', 'returned', JSON.stringify(opened.map((c) => c.client.getChannel().getConnectivityState(false)))].join(' ')); });",
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const returned = new Promise<void>((resolve) => child.stderr.on('data', () => /runCommand returned \[/.test(stderr) && resolve()));
  await withDeadline(returned, 60_000, 'runCommand --detach to return');
  // Returned: from here the process has nothing left to do. 15 s is far above a clean exit.
  const code = await withDeadline(exited, 15_000, 'the process to end by itself after runCommand --detach returned').catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  assert.equal(code, 0, `exit code; stderr:\n${stderr}`);
  assert.equal(JSON.parse(stdout.trim()).workflowId, workflowId, 'it printed the workflow it started');
  const states = JSON.parse(/runCommand returned (\[.*\])/.exec(stderr)?.[1] ?? 'null') as number[];
  assert.ok(states.length >= 1, 'runCommand opened a Temporal connection');
  assert.deepEqual(states, states.map(() => 4), `every connection it opened is shut down (gRPC state 4), got ${JSON.stringify(states)}`);
  assert.equal((await client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING', 'the experiment was started and waits for a worker');
});
