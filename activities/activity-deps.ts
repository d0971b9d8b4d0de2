import type { SmileInstallation } from '../compute/features/opensmile';
import type { Logger } from '../logging/logger';
import type { ArtifactStore } from '../store/artifact-store';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { OptunaStudies } from '../tracking/optuna/optuna-studies';
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
  /** What the activities need of this machine's installation; only the composition root reads it. */
  installation: Installation;
}

export interface Installation {
  /** SMILExtract and its standard configs; throws, naming the fix, where openSMILE is not installed. */
  smileExtract(): SmileInstallation;
  /** The commit of the code this process runs, recorded on every run ('unknown' outside a git checkout). */
  codeCommit(): string;
  /** Optuna studies in this installation's storage (every worker of a sweep must name the same one). */
  optunaStudies(): OptunaStudies;
}
