import type { Logger } from '../logging/logger';
import type { ArtifactStore } from '../store/artifact-store';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { RunRegistry } from '../tracking/run-registry';

/** What activities are built over: the worker hands in real clients, tests whatever they need. */
export interface ActivityDeps {
  logger: Logger;
  mlflow: MlflowClient;
  runs: RunRegistry;
  /** Shared by all workers: features, GAN checkpoints, memoised results. */
  store: ArtifactStore;
  /** This worker's scratch folder (partial extractions); losing it costs time, never results. */
  workDir: string;
}
