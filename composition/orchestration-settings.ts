import type { StackSettings } from '../configs/schema/stack-settings';
import type { StoreIdentity } from '../store/store-identity';
import type { OrchestrationSettings } from '../workflows/activity-options';

/** What a workflow needs of the stack settings; `store`: where its artifacts live (store-routing.ts). */
export function orchestrationSettings(settings: StackSettings, store?: StoreIdentity): OrchestrationSettings {
  return { taskQueues: settings.temporal.taskQueues, activities: settings.temporal.activities, ...(store ? { store } : {}) };
}
