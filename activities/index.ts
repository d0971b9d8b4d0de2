import type { ActivityDeps } from './activity-deps';
import { createSmokeActivities } from './smoke-activities';

/** Every activity a worker serves, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
