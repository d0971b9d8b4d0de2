/**
 * The activities a worker process serves, built over this process's real dependencies
 * (runtime-deps.ts). The full set loads TensorFlow; the orchestration-queue set does not, so
 * `serflow run` and `sweep`, which host the workflows, stay small: the full set is imported only
 * when asked for.
 */
import type { Activities } from '../activities';
import { createOrchestrationActivities } from '../activities/orchestration-activities';
import type { StackSettings } from '../configs/schema/stack-settings';
import type { Logger } from '../logging/logger';
import { createRuntimeDeps } from './runtime-deps';
import type { ActivityDeps } from '../activities/activity-deps';

export type ActivityScope = 'orchestration' | 'all';

export interface WorkerActivities {
  deps: ActivityDeps;
  activities: Activities | ReturnType<typeof createOrchestrationActivities>;
}

export async function createWorkerActivities(settings: StackSettings, scope: ActivityScope, logger?: Logger): Promise<WorkerActivities> {
  const deps = createRuntimeDeps(settings, logger);
  if (scope === 'orchestration') return { deps, activities: createOrchestrationActivities(deps) };
  const { createActivities } = await import('../activities/index.js');
  return { deps, activities: createActivities(deps) };
}
