/**
 * Temporal workers inside the test process, with every activity over a local folder store and
 * the given MLflow client: what the integration tests (test-stack.ts) and the fault tests start
 * when they do not need a worker of their own to kill. The workflow bundle is built once per test
 * process, since bundling takes seconds.
 */
import { join } from 'node:path';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/activity-deps';
import { installation } from '../../composition/runtime-deps';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { createWorkers, workflowsPath, type WorkerQueues } from '../../infra/temporal/worker';
import { logger } from '../../logging/logger';
import { LocalFolderStore } from '../../store/local-folder-store';
import type { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';

let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  return bundle;
}

export interface InProcessWorkers {
  workers: Worker[];
  deps: ActivityDeps;
  stop(): Promise<void>;
}

/** Workers in this process on the settings' queues, over the given store folder and MLflow client. */
export async function startInProcessWorkers(options: {
  settings: StackSettings;
  storeDir: string;
  mlflow: MlflowClient;
  queues?: WorkerQueues;
  runs?: RunRegistry;
}): Promise<InProcessWorkers> {
  const deps: ActivityDeps = {
    logger, mlflow: options.mlflow, runs: options.runs ?? new RunRegistry(options.mlflow), store: new LocalFolderStore(options.storeDir),
    workDir: join(options.storeDir, 'work'),
    installation,
  };
  const workers = await createWorkers({
    settings: options.settings, logger, activities: createActivities(deps), workflowBundle: await workflowBundle(),
    shutdownGraceTime: '1s', ...(options.queues ? { queues: options.queues } : {}),
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    workers,
    deps,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
