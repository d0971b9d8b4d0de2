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
  taskQueues: { orchestration: string; compute: string };
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
 * - compute: long compute that heartbeats (features, GAN training) on the compute queue;
 * - evaluation: one classifier fit, on the compute queue too (it is CPU-bound and would starve the
 *   workflows' event loop), with the compute heartbeat timeout: without one, an evaluation on a
 *   worker that died is retried only after the compute start-to-close timeout (hours). The
 *   activity heartbeats every second while it runs; a DNN fit yields between batches, but a
 *   synchronous step (an SVM fit) must stay shorter than the heartbeat timeout.
 */
export function activityOptions(settings: OrchestrationSettings, kind: 'short' | 'compute' | 'evaluation'): ActivityOptions {
  const k = settings.activities[kind === 'evaluation' ? 'compute' : kind];
  const heartbeat = kind === 'short' ? undefined : k.heartbeatTimeout;
  return {
    taskQueue: kind === 'short' ? settings.taskQueues.orchestration : settings.taskQueues.compute,
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
