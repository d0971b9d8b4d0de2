import type { ActivityDeps } from './activity-deps';
import { createFeatureActivities } from './feature-activities';
import { createOptunaActivities } from './optuna-activities';
import { createSweepActivities } from './sweep-activities';
import { createTrackingActivities } from './tracking-activities';

/**
 * The activities a process that polls only the orchestration queue needs: tracking, fold
 * preparation and an optuna sweep's ask, report and tell, a sweep's final run config and its record (workflows/activity-options.ts, kind 'short'). These modules do not load
 * TensorFlow, so `serflow run` and `sweep`, which host the workflows, stay small (measured: about
 * 110 MB RSS after loading these, 490 MB after loading every activity).
 */
export function createOrchestrationActivities(deps: ActivityDeps) {
  return {
    ...createFeatureActivities(deps),
    ...createTrackingActivities(deps),
    ...createOptunaActivities(deps),
    ...createSweepActivities(deps),
  };
}
