/**
 * Any id serflow prints, as the workflow id that `status`, `cancel` and `resume` act on: a
 * workflow id as is; a sweep id (`lambda-sigma-<hash>`, the MLflow tag serflow.sweep_id) as its
 * workflow `sweep-<sweep id>`; an MLflow run id (the parent run `serflow report` names) as the
 * workflow recorded on the run (tag serflow.workflow_id, or a sweep run's serflow.sweep_id). An
 * id none of these find is returned unchanged, for the command to say it is unknown.
 */
import type { Client } from '@temporalio/client';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { loadStackSettings } from '../../infra/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { isMlflowNotFound, MlflowApiError } from '../../tracking/mlflow-errors';
import { MlflowClient } from '../../tracking/mlflow-client';
import { sweepWorkflowId } from './workflow-ids';

export async function resolveWorkflowId(client: Client, settings: StackSettings, id: string): Promise<string> {
  if (await exists(client, id)) return id;
  if (await exists(client, sweepWorkflowId(id))) return sweepWorkflowId(id);
  if (/^[0-9a-f]{32}$/.test(id)) {
    const tags = await runTags(new MlflowClient({ baseUrl: settings.mlflow.trackingUri, retry: { totalTimeoutMs: 5_000 } }), id);
    const recorded = tags?.get('serflow.workflow_id') ?? (tags?.get('serflow.kind') === 'sweep' && tags.get('serflow.sweep_id') ? sweepWorkflowId(tags.get('serflow.sweep_id') as string) : undefined);
    if (recorded) return recorded;
  }
  return id;
}

/** resolveWorkflowId on its own connection to the configured stack (for main.ts). */
export async function resolveWorkflowIdOnStack(id: string): Promise<string> {
  const settings = loadStackSettings();
  const client = await connectClient(settings);
  try {
    return await resolveWorkflowId(client, settings, id);
  } finally {
    await client.connection.close();
  }
}

async function exists(client: Client, id: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(id).describe();
    return true;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}

async function runTags(mlflow: MlflowClient, runId: string): Promise<Map<string, string> | undefined> {
  try {
    return new Map((await mlflow.getRun(runId)).data.tags.map((t) => [t.key, t.value]));
  } catch (error) {
    if (isMlflowNotFound(error) || (error instanceof MlflowApiError && error.status === 400)) return undefined;
    throw error;
  }
}
