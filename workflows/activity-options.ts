/**
 * Activity options travel into workflows as input (workflows cannot read temporal.yaml), so the
 * timeouts and retry policy of temporal.yaml apply and are recorded in the history.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export interface ActivityKindOptions {
  startToCloseTimeout: string;
  heartbeatTimeout?: string;
  retry: { initialInterval: string; backoffCoefficient: number; maximumInterval: string; maximumAttempts: number };
}

export interface OrchestrationSettings {
  taskQueues: { orchestration: string; compute: string };
  activities: { short: ActivityKindOptions; compute: ActivityKindOptions };
}

/** Errors of these types are bad input: retrying cannot help. */
export const NON_RETRYABLE_ERROR_TYPES = ['InputError', 'NumericalError'];

export function activityOptions(settings: OrchestrationSettings, kind: 'short' | 'compute'): ActivityOptions {
  const k = settings.activities[kind];
  return {
    taskQueue: kind === 'compute' ? settings.taskQueues.compute : settings.taskQueues.orchestration,
    startToCloseTimeout: k.startToCloseTimeout as ActivityOptions['startToCloseTimeout'],
    ...(k.heartbeatTimeout ? { heartbeatTimeout: k.heartbeatTimeout as ActivityOptions['heartbeatTimeout'] } : {}),
    retry: {
      initialInterval: k.retry.initialInterval as never,
      backoffCoefficient: k.retry.backoffCoefficient,
      maximumInterval: k.retry.maximumInterval as never,
      maximumAttempts: k.retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  };
}
