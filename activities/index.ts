import type { ActivityDeps } from './activity-deps';
import { createEvaluationActivities } from './evaluation-activities';
import { createFeatureActivities } from './feature-activities';
import { createGanActivities } from './gan-activities';
import { createSmokeActivities } from './smoke-activities';
import { createTrackingActivities } from './tracking-activities';

/** Every activity a worker serves, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createFeatureActivities(deps),
    ...createEvaluationActivities(deps),
    ...createGanActivities(deps),
    ...createTrackingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
