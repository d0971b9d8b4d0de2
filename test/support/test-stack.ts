/**
 * What integration tests share: the test stack's settings (started by infra/test.sh), real
 * MLflow and Temporal clients, and workers on task queues unique to the calling test so that
 * test files never steal each other's tasks.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/activity-deps';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { createWorkers, workflowsPath } from '../../infra/temporal/worker';
import { logger } from '../../logging/logger';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { installation } from '../../composition/runtime-deps';

export const emodbWavDir = process.env.SERFLOW_EMODB ?? `${__dirname}/../../../shared/emodb/wav`;

let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  return bundle;
}

export interface TestStack {
  settings: StackSettings;
  client: Client;
  mlflow: MlflowClient;
  runs: RunRegistry;
  /** Workers on fresh task queues; the returned settings name those queues. */
  startWorkers(options?: { storeDir?: string }): Promise<{ workers: Worker[]; settings: StackSettings; deps: ActivityDeps; stop(): Promise<void> }>;
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
      const deps: ActivityDeps = { logger, mlflow, runs, store: new LocalFolderStore(storeDir), workDir: join(storeDir, 'work'), installation };
      const suffix = randomUUID().slice(0, 8);
      const own: StackSettings = structuredClone(settings);
      own.temporal.taskQueues = {
        orchestration: `${settings.temporal.taskQueues.orchestration}-${suffix}`,
        compute: `${settings.temporal.taskQueues.compute}-${suffix}`,
      };
      const workers = await createWorkers({
        settings: own,
        logger,
        activities: createActivities(deps),
        workflowBundle: await workflowBundle(),
        shutdownGraceTime: '1s',
      });
      const running = Promise.all(workers.map((w) => w.run()));
      return {
        workers,
        settings: own,
        deps,
        async stop() {
          for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
          await running;
        },
      };
    },
  };
}

export { orchestrationSettings };
