/**
 * The ids of every active MLflow experiment, to look for a run by tag when the user gives a
 * workflow or sweep id instead of a run id (MLflow's runs/search needs experiment ids).
 * MlflowClient has no experiments/search yet; this is that one call, with the client's own
 * connection settings (URL and credentials from the same environment).
 */
import { z } from 'zod';
import type { MlflowClient } from '../tracking/mlflow-client';
import { authorizationHeader, resolveConnection } from '../tracking/mlflow-connection';
import { MlflowApiError, MlflowUnavailableError } from '../tracking/mlflow-errors';

const SearchExperimentsResponse = z.object({
  experiments: z.array(z.object({ experiment_id: z.string() })).default([]),
  next_page_token: z.string().optional(),
});

export async function activeExperimentIds(mlflow: MlflowClient): Promise<string[]> {
  const { baseUrl, auth } = resolveConnection({ baseUrl: mlflow.baseUrl });
  const endpoint = 'POST /api/2.0/mlflow/experiments/search';
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/api/2.0/mlflow/experiments/search`, {
        method: 'POST',
        headers: { ...authorizationHeader(auth), 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ max_results: 1000, view_type: 'ACTIVE_ONLY', page_token: pageToken }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new MlflowUnavailableError({ endpoint, baseUrl, attempts: 1, elapsedMs: 0, lastError: error instanceof Error ? error.message : String(error) });
    }
    const text = await response.text();
    if (!response.ok) throw new MlflowApiError({ endpoint, status: response.status, errorCode: undefined, serverMessage: text.slice(0, 300), retryable: response.status >= 500 });
    const page = SearchExperimentsResponse.parse(JSON.parse(text));
    ids.push(...page.experiments.map((e) => e.experiment_id));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return ids;
}
