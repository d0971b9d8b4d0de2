/**
 * The one-line diagnosis of a worker and an experiment on different artifact stores
 * (composition/store-routing.ts keeps them apart: the worker never receives that work, so
 * without this line it would simply idle while the experiment waits). Said by `serflow worker`
 * at start and whenever a running experiment on another store of the same queues appears, and by
 * `serflow resume` when the launcher's store is not the experiment's.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { splitQueue } from '../../composition/store-routing';
import type { StackSettings } from '../../configs/schema/stack-settings';
import type { Logger } from '../../logging/logger';
import { renderStore, storeIdentitySchema, type StoreIdentity } from '../../store/store-identity';

/** How to bring the two stores together, for this pair of store kinds. */
export function storeFix(own: StoreIdentity, other: StoreIdentity): string {
  const kind = (s: StoreIdentity) => (s.id.startsWith('mlflow-') ? 'mlflow' : 'local');
  if (kind(other) === 'mlflow' && kind(own) === 'local') return 'start this worker with SERFLOW_STORE=mlflow (and the same MLflow server)';
  if (kind(other) === 'mlflow') return 'point MLFLOW_TRACKING_URI at the MLflow server of that store';
  if (kind(own) === 'mlflow') return 'launch experiments with SERFLOW_STORE=mlflow too, or start this worker without it and with that store\'s SERFLOW_STATE';
  return `start this worker with the same SERFLOW_STATE (the state folder holding ${other.location.replace(/^local artifact store /, '')}), or use SERFLOW_STORE=mlflow on every worker and launcher`;
}

/** "<what> keeps its artifacts in store X; this worker's store is Y, so it will not take that work. Fix: ..." */
export function storeMismatchLine(what: string, other: StoreIdentity, own: StoreIdentity, whose = 'this worker\'s'): string {
  return `${what} keeps its artifacts in store ${renderStore(other)}; ${whose} store is ${renderStore(own)}, so ${whose === 'this worker\'s' ? 'it will not take that work' : 'its workers cannot serve it'}. ` +
    `Fix: ${storeFix(own, other)}; or give the two stores separate task queues (temporal.yaml taskQueues)`;
}

/** How to start a worker on this store. */
function workerOn(store: StoreIdentity): string {
  if (store.id.startsWith('mlflow-')) return 'SERFLOW_STORE=mlflow and the MLFLOW_TRACKING_URI of that store\'s server';
  const folder = store.location.replace(/^local artifact store /, '');
  return `SERFLOW_STATE=${folder.replace(/\/store$/, '')} (the state folder holding ${folder})`;
}

export interface Unserved {
  queue: string;
  store: StoreIdentity | undefined;
  /** The one line: no worker polls the queue, whose store it is, how to start one. */
  message: string;
}

/**
 * Whether no worker polls the workflow queue of a running execution: with store routing, that is
 * what an experiment whose store no worker has looks like (workers on other stores idle beside it).
 */
export async function unservedQueue(client: Client, namespace: string, workflowId: string, queue: string): Promise<Unserved | undefined> {
  const res = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue, kind: 1 /* NORMAL */ }, taskQueueType: 1 /* WORKFLOW */ });
  if ((res.pollers ?? []).length > 0) return undefined;
  const store = await recordedStore(client, workflowId).catch(() => undefined);
  const start = store ? `start \`serflow worker\` on store ${renderStore(store)} with ${workerOn(store)}` : 'start `serflow worker` with the stack settings and store of the launcher';
  return { queue, store, message: `no worker polls ${queue}: ${start}` };
}

/** The store an execution recorded in its input (orchestration.store), if it did. */
export async function recordedStore(client: Client, workflowId: string): Promise<StoreIdentity | undefined> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return undefined;
  const input = defaultPayloadConverter.fromPayload<{ orchestration?: { store?: unknown } }>(payload);
  const parsed = storeIdentitySchema.safeParse(input?.orchestration?.store);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Logs the diagnosis once per foreign store: running experiments and sweeps on this worker's
 * queues (same configured names) but qualified by another store. Checks now and then every
 * `intervalMs`; the timer does not keep the process alive.
 */
export function watchForeignStores(client: Client, settings: StackSettings, own: StoreIdentity, logger: Logger, intervalMs = 60_000): () => void {
  const base = splitQueue(settings.temporal.taskQueues.orchestration).base;
  const reported = new Set<string>([own.id]);
  const check = async () => {
    const seen = new Map<string, string>();
    for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running' AND (WorkflowType = 'experimentWorkflow' OR WorkflowType = 'sweepWorkflow')` })) {
      const queue = splitQueue(w.taskQueue);
      if (queue.base === base && queue.storeId && !reported.has(queue.storeId) && !seen.has(queue.storeId)) seen.set(queue.storeId, w.workflowId);
      if (seen.size >= 10) break;
    }
    for (const [storeId, workflowId] of seen) {
      reported.add(storeId);
      const other = (await recordedStore(client, workflowId).catch(() => undefined)) ?? { id: storeId, location: 'location not recorded' };
      logger.warn({ workflowId, store: other, ownStore: own }, storeMismatchLine(`running ${workflowId}`, other, own));
    }
  };
  const run = () => void check().catch((err: unknown) => logger.debug({ err }, 'could not list running experiments for the store check'));
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
