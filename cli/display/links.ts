import type { StackSettings } from '../../configs/schema/stack-settings';
import { resolveConnection } from '../../tracking/mlflow-connection';

export function temporalWorkflowUrl(settings: StackSettings, workflowId: string): string {
  const dev = settings.temporal.devServer;
  const host = dev.ip === '0.0.0.0' ? '127.0.0.1' : dev.ip;
  return `http://${host}:${dev.uiPort}/namespaces/${encodeURIComponent(settings.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The MLflow UI's address without user:password@ (links are printed and logged). */
function mlflowUiBase(settings: StackSettings): string {
  return resolveConnection({ baseUrl: settings.mlflow.trackingUri, auth: null }).baseUrl;
}

/**
 * MLflow 3.17's UI picks its GenAI or model-training pages from a global switch (remembered in
 * the browser, GenAI at first) rather than from the experiment's `mlflow.experimentKind` tag
 * (tracking/experiment-kind.ts, which other versions read): links say which, so they open on
 * the runs.
 */
const TRAINING_VIEW = '?workflowType=machine_learning';

export function mlflowRunUrl(settings: StackSettings, experimentId: string, runId: string): string {
  return `${mlflowUiBase(settings)}/#/experiments/${experimentId}/runs/${runId}${TRAINING_VIEW}`;
}

export function mlflowExperimentUrl(settings: StackSettings, experimentId: string): string {
  return `${mlflowUiBase(settings)}/#/experiments/${experimentId}${TRAINING_VIEW}`;
}
