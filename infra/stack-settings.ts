import { join } from 'node:path';
import { repoRoot } from './paths';
import { stackSettingsSchema, type StackSettings } from '../configs/schema/stack-settings';
import { loadYaml } from '../configs/load/load-yaml';

/** Loads temporal.yaml (or SERFLOW_STACK_CONFIG) and applies the environment overrides. */
export function loadStackSettings(file = process.env.SERFLOW_STACK_CONFIG ?? join(repoRoot, 'temporal.yaml')): StackSettings {
  return loadYaml(file, stackSettingsSchema, (raw) => {
    if (!raw || typeof raw !== 'object') return raw;
    const r = structuredClone(raw) as { temporal?: Record<string, unknown>; mlflow?: Record<string, unknown> };
    if (r.temporal && process.env.TEMPORAL_ADDRESS) r.temporal.address = process.env.TEMPORAL_ADDRESS;
    if (r.temporal && process.env.TEMPORAL_NAMESPACE) r.temporal.namespace = process.env.TEMPORAL_NAMESPACE;
    if (r.mlflow && process.env.MLFLOW_TRACKING_URI) r.mlflow.trackingUri = process.env.MLFLOW_TRACKING_URI;
    return r;
  });
}
