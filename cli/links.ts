import type { StackSettings } from '../configs/schema/stack-settings';
import { resolveConnection } from '../tracking/mlflow-connection';

export function temporalWorkflowUrl(settings: StackSettings, workflowId: string): string {
  const dev = settings.temporal.devServer;
  const host = dev.ip === '0.0.0.0' ? '127.0.0.1' : dev.ip;
  return `http://${host}:${dev.uiPort}/namespaces/${encodeURIComponent(settings.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The MLflow UI's address without user:password@ (links are printed and logged). */
function mlflowUiBase(settings: StackSettings): string {
  return resolveConnection({ baseUrl: settings.mlflow.trackingUri, auth: null }).baseUrl;
}

export function mlflowRunUrl(settings: StackSettings, experimentId: string, runId: string): string {
  return `${mlflowUiBase(settings)}/#/experiments/${experimentId}/runs/${runId}`;
}

export function mlflowExperimentUrl(settings: StackSettings, experimentId: string): string {
  return `${mlflowUiBase(settings)}/#/experiments/${experimentId}`;
}
