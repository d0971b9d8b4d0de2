/**
 * The composition root: the one place that knows every concrete dependency of a serflow process
 * (worker, CLI, report) and the installation, built from temporal.yaml and the environment;
 * everything below receives them as parameters.
 *
 *   SERFLOW_STORE=local (default)  the artifact store is a folder: $SERFLOW_STATE/store
 *   SERFLOW_STORE=mlflow           objects go through the MLflow server's artifact proxy, so that
 *                                  workers on several machines share them; each process keeps a
 *                                  local read-through cache in $SERFLOW_CACHE_DIR (default
 *                                  $SERFLOW_STATE/store-cache).
 *   SERFLOW_OPTUNA_STORAGE         the SQLAlchemy URL of optuna sweeps' studies (default a SQLite
 *                                  file, $SERFLOW_STATE/optuna.sqlite; PostgreSQL for workers on
 *                                  several machines: infra/multi-machine.md).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ActivityDeps, Installation } from '../activities/activity-deps';
import type { StackSettings } from '../configs/schema/stack-settings';
import { pythonBin, repoRoot, smileExtract, stateDir } from '../infra/paths';
import { logger as rootLogger, type Logger } from '../logging/logger';
import type { ArtifactStore } from '../store/artifact-store';
import { CachingStore } from '../store/caching-store';
import { LocalFolderStore } from '../store/local-folder-store';
import { MlflowArtifactStore } from '../store/mlflow-artifact-store';
import { MlflowClient } from '../tracking/mlflow-client';
import { OptunaStudies } from '../tracking/optuna/optuna-studies';
import { RunRegistry } from '../tracking/run-registry';

export function createArtifactStore(mlflow: MlflowClient, logger: Logger): ArtifactStore {
  const kind = process.env.SERFLOW_STORE ?? 'local';
  if (kind === 'local') return new LocalFolderStore(join(stateDir(), 'store'), { logger });
  if (kind === 'mlflow') {
    const cache = new LocalFolderStore(process.env.SERFLOW_CACHE_DIR ?? join(stateDir(), 'store-cache'), { logger });
    return new CachingStore(cache, new MlflowArtifactStore(mlflow, { logger }), { logger });
  }
  throw new Error(`SERFLOW_STORE=${kind} is not a store kind. Fix: use "local" or "mlflow".`);
}

export function createRuntimeDeps(settings: StackSettings, logger: Logger = rootLogger): ActivityDeps {
  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri, logger });
  return {
    logger,
    mlflow,
    runs: new RunRegistry(mlflow, { logger }),
    store: createArtifactStore(mlflow, logger),
    workDir: process.env.SERFLOW_WORK_DIR ?? join(stateDir(), 'work'),
    installation,
  };
}

let gitCommit: string | undefined;

/** The storage optuna sweeps keep their studies in: SERFLOW_OPTUNA_STORAGE, or a SQLite file in the state folder. */
export function optunaStorage(): string {
  return process.env.SERFLOW_OPTUNA_STORAGE ?? `sqlite:///${join(stateDir(), 'optuna.sqlite')}`;
}

const optunaStudiesByStorage = new Map<string, OptunaStudies>();

/** This clone's installation: openSMILE and Optuna from the project virtualenv, the code's git commit. */
export const installation: Installation = {
  smileExtract,
  optunaStudies(): OptunaStudies {
    // One per storage, so that every activity of this process shares one Python process.
    const storage = optunaStorage();
    let studies = optunaStudiesByStorage.get(storage);
    if (!studies) {
      studies = new OptunaStudies({ python: pythonBin(), script: join(repoRoot, 'tracking', 'optuna', 'optuna_study.py'), storage });
      optunaStudiesByStorage.set(storage, studies);
    }
    return studies;
  },
  codeCommit(): string {
    if (gitCommit === undefined) {
      try {
        gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      } catch {
        gitCommit = 'unknown';
      }
    }
    return gitCommit;
  },
};
