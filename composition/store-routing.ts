/**
 * Work goes only to workers that can read its inputs: the task queues of temporal.yaml are
 * qualified by the artifact store's id, `<queue>@<store id>`. A launcher (`serflow run`,
 * `sweep`) puts an experiment on the queues of its own store and records that store in the
 * workflow input; a worker polls the queues of its own store. Workers on one local store (same
 * SERFLOW_STATE) or on one MLflow store (SERFLOW_STORE=mlflow, same server, on any machine) share
 * queues; a worker with another store never receives a task whose artifacts it cannot read, so
 * no retry is spent on it. Temporal routes by queue name alone, which is why the routing holds for
 * workflow tasks and every activity alike, without a check in each activity.
 */
import type { StackSettings } from '../configs/schema/stack-settings';
import { logger as rootLogger, type Logger } from '../logging/logger';
import type { StoreIdentity } from '../store/store-identity';
import { MlflowClient } from '../tracking/mlflow-client';
import { createArtifactStore } from './runtime-deps';

const SEPARATOR = '@';

/** A task queue's configured name and the store id it is qualified by (none: a queue from before store routing). */
export function splitQueue(queue: string): { base: string; storeId: string | undefined } {
  const at = queue.lastIndexOf(SEPARATOR);
  return at < 0 ? { base: queue, storeId: undefined } : { base: queue.slice(0, at), storeId: queue.slice(at + 1) };
}

/** The settings with every task queue qualified by the store (already qualified names are re-qualified). */
export function routedByStore(settings: StackSettings, store: StoreIdentity): StackSettings {
  const qualify = (queue: string) => `${splitQueue(queue).base}${SEPARATOR}${store.id}`;
  const { orchestration, compute, extraction } = settings.temporal.taskQueues;
  return {
    ...settings,
    temporal: { ...settings.temporal, taskQueues: { orchestration: qualify(orchestration), compute: qualify(compute), extraction: qualify(extraction) } },
  };
}

/** This process's artifact store (SERFLOW_STORE, SERFLOW_STATE) and the settings routed to it. */
export async function routeToOwnStore(settings: StackSettings, logger: Logger = rootLogger): Promise<{ settings: StackSettings; store: StoreIdentity }> {
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri, logger });
  const store = await createArtifactStore(mlflow, logger).identity();
  return { settings: routedByStore(settings, store), store };
}
