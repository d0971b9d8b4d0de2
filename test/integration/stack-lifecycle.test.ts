/**
 * The stack commands as a user runs them, on a stack of their own (other ports, other state
 * folder) so that the servers the other tests use are not touched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { groupMembers } from '../../infra/stack/managed-process';

const repo = join(__dirname, '..', '..');
const state = mkdtempSync(join(tmpdir(), 'serflow-stack-'));
const config = join(state, 'temporal.yaml');
writeFileSync(
  config,
  `temporal:
  address: 127.0.0.1:27233
  namespace: default
  taskQueues: { orchestration: q, compute: qc }
  devServer: { ip: 127.0.0.1, port: 27233, uiPort: 28233, dbFile: temporal/temporal.db }
  activities:
    short: { startToCloseTimeout: 1m, retry: { initialInterval: 1s, backoffCoefficient: 2, maximumInterval: 10s, maximumAttempts: 3 } }
    compute: { startToCloseTimeout: 1m, retry: { initialInterval: 1s, backoffCoefficient: 2, maximumInterval: 10s, maximumAttempts: 3 } }
mlflow:
  trackingUri: http://127.0.0.1:25000
  server: { host: 127.0.0.1, port: 25000, backendStore: mlflow/mlflow.db, artifactsDestination: mlflow/artifacts }
`,
);
const env = { ...process.env, SERFLOW_STACK_CONFIG: config, SERFLOW_STATE: state };

function serflow(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const res = spawnSync(join(repo, 'bin', 'serflow'), args, { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 180_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function statusPids(): Record<string, number | undefined> {
  const res = serflow(['stack', 'status', '--json']);
  const status = JSON.parse(res.stdout) as { name: string; pid?: number; healthy: boolean }[];
  return Object.fromEntries(status.map((s) => [s.name, s.healthy ? s.pid : undefined]));
}

after(() => {
  serflow(['stack', 'down']);
});

test('stack up starts both servers, a second up is a no-op, down leaves no process, and a finished workflow survives down/up', async () => {
  const up = serflow(['stack', 'up']);
  assert.equal(up.code, 0, up.stderr);
  const first = statusPids();
  assert.ok(first.temporal && first.mlflow, 'both servers healthy after up');

  const again = serflow(['stack', 'up']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(statusPids(), first, 'the second up started nothing new');
  assert.doesNotMatch(again.stderr, /starting/);

  // A finished workflow, recorded in the dev server's SQLite file.
  const connection = await Connection.connect({ address: '127.0.0.1:27233' });
  const client = new Client({ connection });
  const workflowId = `stack-test-${Date.now()}`;
  await client.workflow.start('noSuchWorkflowType', { workflowId, taskQueue: 'nobody-polls-this' });
  await client.workflow.getHandle(workflowId).terminate('finished on purpose');
  await connection.close();

  const down = serflow(['stack', 'down']);
  assert.equal(down.code, 0, down.stderr);
  for (const pid of Object.values(first)) assert.deepEqual(groupMembers(pid as number), [], `no process of group ${pid} is left`);
  const statusDown = serflow(['stack', 'status']);
  assert.equal(statusDown.code, 3, 'status exits 3 when the stack is down');
  assert.match(statusDown.stdout, /temporal\s+down/);

  assert.equal(serflow(['stack', 'up']).code, 0);
  const connection2 = await Connection.connect({ address: '127.0.0.1:27233' });
  const description = await new Client({ connection: connection2 }).workflow.getHandle(workflowId).describe();
  assert.equal(description.status.name, 'TERMINATED');
  await connection2.close();
});

test('a port held by another process gives one clear message and exit code 3', async () => {
  serflow(['stack', 'down']);
  const squatter = createServer(() => {});
  await new Promise<void>((resolve) => squatter.listen(25000, '127.0.0.1', resolve));
  try {
    const res = serflow(['stack', 'up']);
    assert.equal(res.code, 3);
    assert.match(res.stderr, /port 127\.0\.0\.1:25000 \(mlflow HTTP\) is held by pid \d+/);
    assert.match(res.stderr, /Fix:/);
  } finally {
    squatter.close();
    serflow(['stack', 'down']);
  }
});

test('an invalid temporal.yaml names each bad field and exits 2', () => {
  const bad = join(state, 'bad.yaml');
  writeFileSync(bad, 'temporal:\n  address: no-port-here\n  devServer: { port: "7233" }\nmlflow: {}\ncolour: blue\n');
  const res = serflow(['stack', 'status'], { SERFLOW_STACK_CONFIG: bad });
  assert.equal(res.code, 2);
  assert.match(res.stderr, /bad\.yaml: temporal\.address: host:port/);
  assert.match(res.stderr, /temporal\.devServer\.port: .*expected number/);
  assert.match(res.stderr, /unknown field\(s\) "colour"/);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
});

test('setup without a Go toolchain or without Python says what to install and exits non-zero', () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'serflow-cache-'));
  const noGo = spawnSync('bash', [join(repo, 'infra', 'setup.sh'), 'temporal'], {
    env: { PATH: '/usr/bin:/bin', HOME: emptyCache, SERFLOW_CACHE: emptyCache }, encoding: 'utf8',
  });
  assert.notEqual(noGo.status, 0);
  assert.match(noGo.stderr, /no 'temporal' on PATH and no Go toolchain to build it\. Install Go/);
  const noPython = spawnSync('bash', [join(repo, 'infra', 'setup.sh'), 'python'], {
    env: { PATH: '/usr/bin:/bin', HOME: emptyCache, SERFLOW_CACHE: emptyCache, SERFLOW_PYTHON: 'python-that-does-not-exist' }, encoding: 'utf8',
  });
  assert.notEqual(noPython.status, 0);
  assert.match(noPython.stderr, /no Python interpreter 'python-that-does-not-exist'\. Install Python/);
});
