import type { StackSettings } from '../configs/schema/stack-settings';
import type { OrchestrationSettings } from '../workflows/activity-options';

export function orchestrationSettings(settings: StackSettings): OrchestrationSettings {
  return { taskQueues: settings.temporal.taskQueues, activities: settings.temporal.activities };
}
