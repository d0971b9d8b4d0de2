import type { StackSettings } from '../configs/schema/stack-settings';

export function temporalWorkflowUrl(settings: StackSettings, workflowId: string): string {
  const dev = settings.temporal.devServer;
  const host = dev.ip === '0.0.0.0' ? '127.0.0.1' : dev.ip;
  return `http://${host}:${dev.uiPort}/namespaces/${encodeURIComponent(settings.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function mlflowRunUrl(settings: StackSettings, experimentId: string, runId: string): string {
  return `${settings.mlflow.trackingUri.replace(/\/$/, '')}/#/experiments/${experimentId}/runs/${runId}`;
}

export function mlflowExperimentUrl(settings: StackSettings, experimentId: string): string {
  return `${settings.mlflow.trackingUri.replace(/\/$/, '')}/#/experiments/${experimentId}`;
}
