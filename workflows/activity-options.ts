/**
 * Activity options travel into workflows as input (workflows cannot read temporal.yaml), so the
 * timeouts and retry policy of temporal.yaml apply and are recorded in the history.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { StoreIdentity } from '../store/store-identity';

export interface ActivityKindOptions {
  startToCloseTimeout: string;
  heartbeatTimeout?: string;
  retry: { initialInterval: string; backoffCoefficient: number; maximumInterval: string; maximumAttempts: number };
}

export interface OrchestrationSettings {
  /** `extraction`: absent in executions started before it had a queue of its own (they extract on compute). */
  taskQueues: { orchestration: string; compute: string; extraction?: string };
  activities: { short: ActivityKindOptions; compute: ActivityKindOptions };
  /**
   * The artifact store this execution's artifacts live in; the task queues are qualified by its id
   * (composition/store-routing.ts). Absent in executions started before store routing.
   */
  store?: StoreIdentity;
}

/** Errors of these types are bad input: retrying cannot help. */
export const NON_RETRYABLE_ERROR_TYPES = ['InputError', 'NumericalError'];

/**
 * - short: light I/O (tracking, folds) on the orchestration queue, beside the workflows;
 * - compute: long compute that heartbeats (GAN training) on the compute queue;
 * - extraction: feature extraction, with compute's timeouts and heartbeat, on the extraction
 *   queue: it reads the corpus folder, which only the machines that poll that queue have (a
 *   worker started with `--queues compute` never takes one). An execution started before the
 *   extraction queue existed recorded no such queue and extracts on the compute queue, as it did;
 * - evaluation: one classifier fit, on the compute queue too (it is CPU-bound and would starve the
 *   workflows' event loop), with the compute heartbeat timeout: without one, an evaluation on a
 *   worker that died is retried only after the compute start-to-close timeout (hours). The
 *   activity heartbeats every second while it runs; a DNN fit yields between batches, but a
 *   synchronous step (an SVM fit) must stay shorter than the heartbeat timeout.
 */
export function activityOptions(settings: OrchestrationSettings, kind: 'short' | 'compute' | 'evaluation' | 'extraction'): ActivityOptions {
  const k = settings.activities[kind === 'short' ? 'short' : 'compute'];
  const heartbeat = kind === 'short' ? undefined : k.heartbeatTimeout;
  const taskQueue = kind === 'short' ? settings.taskQueues.orchestration
    : kind === 'extraction' ? settings.taskQueues.extraction ?? settings.taskQueues.compute
      : settings.taskQueues.compute;
  return {
    taskQueue,
    startToCloseTimeout: k.startToCloseTimeout as ActivityOptions['startToCloseTimeout'],
    ...(heartbeat ? { heartbeatTimeout: heartbeat as ActivityOptions['heartbeatTimeout'] } : {}),
    retry: {
      initialInterval: k.retry.initialInterval as never,
      backoffCoefficient: k.retry.backoffCoefficient,
      maximumInterval: k.retry.maximumInterval as never,
      maximumAttempts: k.retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  };
}
