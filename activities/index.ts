import type { ActivityDeps } from './activity-deps';
import { createEvaluationActivities } from './evaluation-activities';
import { createFoldModelActivities } from './fold-model-activities';
import { createGanActivities } from './gan-activities';
import { createOrchestrationActivities } from './orchestration-activities';
import { createSmokeActivities } from './smoke-activities';

/** Every activity a worker serves, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createOrchestrationActivities(deps),
    ...createEvaluationActivities(deps),
    ...createGanActivities(deps),
    ...createFoldModelActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
