/**
 * Store routing across machines (composition/store-routing.ts, issue 31): in the fleet of
 * infra/fleet/, an experiment launched from one machine onto the shared store
 * (SERFLOW_STORE=mlflow) is never taken by a worker on another machine that lacks
 * SERFLOW_STORE=mlflow; that worker says why in one line naming both stores and the fix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/connection';
import { serflowBin, waitFor, withDeadline, type LogLine } from '../support/fault-kit';
import { CORPUS_IN_MACHINE, fleetCorpus, fleetStackConfig, fleetUp, machineOf, startMachine, stopMachine, type FleetMachine } from '../support/fleet-machines';

const machines: FleetMachine[] = [];
let client: Client | undefined;
let workflowId: string | undefined;

after(async () => {
  for (const m of machines) await stopMachine(m, 5_000);
  if (workflowId) await client?.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});


test('a fleet machine whose worker lacks SERFLOW_STORE=mlflow never takes the fleet\'s work and says so in one line', { timeout: 240_000 }, async () => {
  const settings = fleetUp();
  const corpus = fleetCorpus();
  writeFileSync(join(corpus, 'experiment.yaml'), [
    `name: refusal-${randomUUID().slice(0, 8)}`, 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 1 }', 'methods: [none]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  const stack = fleetStackConfig(['laptop', 'b']);
  const env = { FLEET_STACK_CONFIG: stack.inMachine };
  client = await connectClient(settings, 5_000);

  const laptop = startMachine('laptop', { corpus, env: { ...env, SERFLOW_LOG_LEVEL: 'warn' }, command: [serflowBin, 'run', `${CORPUS_IN_MACHINE}/experiment.yaml`, '--detach', '--no-worker'] });
  machines.push(laptop);
  assert.equal((await withDeadline(laptop.exited, 120_000, 'serflow run --detach')).code, 0, laptop.output());
  workflowId = /experiment (\S+) \(/.exec(laptop.output())?.[1];
  assert.ok(workflowId, `serflow run announced its workflow: ${laptop.output()}`);

  // SERFLOW_STORE empty: machine.sh leaves it unset, so the worker keeps the local store of its own disk.
  const stray = startMachine('b', { env: { ...env, SERFLOW_STORE: '' } });
  machines.push(stray);
  // The line about this experiment (a worker names every running execution of a store not its own).
  const isDiagnosis = (l: LogLine) => typeof l.msg === 'string' && l.msg.includes(`${workflowId as string} keeps its artifacts in store`);
  const diagnosis = await waitFor('the worker without SERFLOW_STORE=mlflow to say why it takes nothing', () => {
    assert.ok(stray.isRunning(), `machine b ended:\n${stray.output().slice(-3000)}`);
    return stray.lines.find(isDiagnosis);
  }, 120_000, 200);
  const line = String(diagnosis.msg);
  console.log(`[fleet] machine b said: ${line}`);
  assert.ok(!line.includes('\n'), 'one line');
  assert.match(line, /keeps its artifacts in store mlflow-[0-9a-f]{16} \(MLflow artifact store http:\/\/127\.0\.0\.1:26000 .*\); this worker's store is local-[0-9a-f]{16} \(local artifact store \/tmp\/machine\/state\/store\)/);
  assert.match(line, /Fix: start this worker with SERFLOW_STORE=mlflow/);

  // A few more seconds of polling: still nothing taken, and said once.
  await new Promise((r) => setTimeout(r, 5_000));
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const takenBy = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [machineOf(e.activityTaskStartedEventAttributes.identity)] : []));
  assert.deepEqual(takenBy.filter((m) => m === 'b'), [], 'machine b took no activity');
  assert.equal((await client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING', 'the experiment waits for a worker of its store');
  assert.equal(stray.lines.filter(isDiagnosis).length, 1, 'said once');
});
