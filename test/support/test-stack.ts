/**
 * What integration tests share: the test stack's settings (started by infra/test.sh), real
 * MLflow and Temporal clients, and workers on task queues unique to the calling test so that
 * test files never steal each other's tasks. useTestStack sets all of it up for a whole file.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/activity-deps';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { startInProcessWorkers } from './in-process-workers';

export const emodbWavDir = process.env.SERFLOW_EMODB ?? `${__dirname}/../../../shared/emodb/wav`;

/** Workers started by TestStack.startWorkers; `settings` name their task queues. */
export interface StartedWorkers {
  workers: Worker[];
  settings: StackSettings;
  deps: ActivityDeps;
  stop(): Promise<void>;
}

export interface TestStack {
  settings: StackSettings;
  client: Client;
  mlflow: MlflowClient;
  runs: RunRegistry;
  /** Workers on fresh task queues; the returned settings name those queues. */
  startWorkers(options?: { storeDir?: string }): Promise<StartedWorkers>;
}

export async function testStack(): Promise<TestStack> {
  const settings = loadStackSettings();
  const client = await connectClient(settings, 5_000);
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  const runs = new RunRegistry(mlflow);
  return {
    settings,
    client,
    mlflow,
    runs,
    async startWorkers(options = {}) {
      const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'serflow-store-'));
      const suffix = randomUUID().slice(0, 8);
      const own: StackSettings = structuredClone(settings);
      own.temporal.taskQueues = {
        orchestration: `${settings.temporal.taskQueues.orchestration}-${suffix}`,
        compute: `${settings.temporal.taskQueues.compute}-${suffix}`,
        extraction: `${settings.temporal.taskQueues.extraction}-${suffix}`,
      };
      return { ...(await startInProcessWorkers({ settings: own, storeDir, mlflow, runs })), settings: own };
    },
  };
}

/** The stack and its workers as a test file sees them: read inside tests (the before hook sets them). */
export interface TestStackFixture {
  readonly stack: TestStack;
  /** The first (often the only) set of workers. */
  readonly workers: StartedWorkers;
  /** Every set of workers, each on its own task queues. */
  readonly workerSets: StartedWorkers[];
}

/**
 * The test stack and `workerSets` sets of workers (default 1) for the whole calling file:
 * registers a node:test `before` hook that connects and starts them, and an `after` hook that
 * stops the workers and closes the Temporal connection. Call it at the top level of a test file.
 */
export function useTestStack(options: { workerSets?: number } = {}): TestStackFixture {
  let stack: TestStack | undefined;
  const sets: StartedWorkers[] = [];
  before(async () => {
    stack = await testStack();
    for (let i = 0; i < (options.workerSets ?? 1); i++) sets.push(await stack.startWorkers());
  });
  after(async () => {
    for (const set of sets) await set.stop();
    await stack?.client.connection.close();
  });
  const started = (): TestStack => {
    assert.ok(stack, 'the test stack is started by the before hook of useTestStack: use it inside tests');
    return stack;
  };
  return {
    get stack() {
      return started();
    },
    get workers() {
      started();
      return sets[0] as StartedWorkers;
    },
    get workerSets() {
      started();
      return sets;
    },
  };
}

export { orchestrationSettings };
