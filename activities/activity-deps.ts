import type { Logger } from '../logging/logger';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { RunRegistry } from '../tracking/run-registry';

/** What activities are built over: the worker hands in real clients, tests whatever they need. */
export interface ActivityDeps {
  logger: Logger;
  mlflow: MlflowClient;
  runs: RunRegistry;
}
