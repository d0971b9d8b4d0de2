/**
 * The ids of every active MLflow experiment, to look for a run by tag when the user gives a
 * workflow or sweep id instead of a run id (MLflow's runs/search needs experiment ids). Through
 * the client itself, so that its credentials (also those given as user:password@ in the URI,
 * which its base URL no longer holds), retries and error redaction apply.
 */
import type { MlflowClient } from '../tracking/mlflow-client';

export async function activeExperimentIds(mlflow: MlflowClient): Promise<string[]> {
  return mlflow.activeExperimentIds();
}
