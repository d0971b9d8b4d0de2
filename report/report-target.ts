/**
 * What `serflow report <id>` is about. The id may be the MLflow run id of an experiment's or a
 * sweep's parent run, a Temporal workflow id (tag serflow.workflow_id of the experiment or sweep
 * run), or a sweep id (tag serflow.sweep_id of the sweep run). Run ids are tried first (one cheap call);
 * tags are searched across every active MLflow experiment.
 */
import { InputError } from '../foundation/errors';
import type { MlflowClient } from '../tracking/mlflow-client';
import { isMlflowNotFound, MlflowApiError } from '../tracking/mlflow-errors';
import type { Run } from '../tracking/mlflow-schemas';
import { activeExperimentIds } from './mlflow-experiment-ids';

export const KIND_TAG = 'serflow.kind';

export type ReportTarget =
  | { kind: 'experiment'; run: Run }
  /** A sweep's run and its experiments' parent runs (oldest first). */
  | { kind: 'sweep'; run: Run; experiments: Run[] };

export function tagOf(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

export async function resolveReportTarget(mlflow: MlflowClient, id: string): Promise<ReportTarget> {
  if (!/^[A-Za-z0-9_.:/-]{1,250}$/.test(id)) {
    throw new InputError({ field: 'id', reason: `${JSON.stringify(id.slice(0, 80))} is not a run, workflow or sweep id`, fix: 'use letters, digits and - _ . : / only' });
  }
  let run: Run | undefined;
  if (/^[0-9a-f]{32}$/.test(id)) run = await runIfExists(mlflow, id);
  if (!run) {
    const experimentIds = await activeExperimentIds(mlflow);
    if (experimentIds.length > 0) {
      run = (await searchOne(mlflow, experimentIds, `tags.\`serflow.workflow_id\` = '${id}' and tags.\`${KIND_TAG}\` = 'experiment'`))
        ?? (await searchOne(mlflow, experimentIds, `tags.\`serflow.workflow_id\` = '${id}' and tags.\`${KIND_TAG}\` = 'sweep'`))
        ?? (await searchOne(mlflow, experimentIds, `tags.\`serflow.sweep_id\` = '${id}' and tags.\`${KIND_TAG}\` = 'sweep'`))
        // Sweep runs logged before they carried serflow.workflow_id: the workflow id is `sweep-<sweep id>` (cli/launch/workflow-ids.ts).
        ?? (id.startsWith('sweep-') ? await searchOne(mlflow, experimentIds, `tags.\`serflow.sweep_id\` = '${id.slice('sweep-'.length)}' and tags.\`${KIND_TAG}\` = 'sweep'`) : undefined);
    }
  }
  if (!run) {
    throw new InputError({ field: 'id', reason: `no experiment or sweep run in MLflow at ${mlflow.baseUrl} has run id, workflow id or sweep id ${JSON.stringify(id)}`, fix: 'check the id (serflow run prints it) and MLFLOW_TRACKING_URI' });
  }
  const kind = tagOf(run, KIND_TAG);
  if (kind === 'experiment') return { kind, run };
  if (kind === 'sweep') {
    const experiments = await searchAll(mlflow, [run.info.experiment_id], `tags.\`mlflow.parentRunId\` = '${run.info.run_id}' and tags.\`${KIND_TAG}\` = 'experiment'`);
    experiments.sort((a, b) => (a.info.start_time ?? 0) - (b.info.start_time ?? 0));
    return { kind, run, experiments };
  }
  throw new InputError({
    field: 'id',
    reason: `run ${run.info.run_id} is a ${kind ?? 'run without a serflow.kind tag'}, not an experiment or sweep parent run`,
    fix: `give the id of its parent run (${tagOf(run, 'mlflow.parentRunId') ?? 'none'})`,
  });
}

async function runIfExists(mlflow: MlflowClient, runId: string): Promise<Run | undefined> {
  try {
    const run = await mlflow.getRun(runId);
    return run.info.lifecycle_stage === 'deleted' ? undefined : run;
  } catch (error) {
    if (isMlflowNotFound(error) || (error instanceof MlflowApiError && error.status === 400)) return undefined;
    throw error;
  }
}

async function searchOne(mlflow: MlflowClient, experimentIds: string[], filter: string): Promise<Run | undefined> {
  const runs = await searchAll(mlflow, experimentIds, filter);
  // Several runs can carry a workflow id when a workflow was reset; the newest is the one to report.
  runs.sort((a, b) => (b.info.start_time ?? 0) - (a.info.start_time ?? 0));
  return runs[0];
}

/** Every active run matching the filter (all pages): a report never shows runs a user deleted. */
export function searchAll(mlflow: MlflowClient, experimentIds: string[], filter: string): Promise<Run[]> {
  return mlflow.searchAllRuns({ experimentIds, filter, runViewType: 'ACTIVE_ONLY' });
}
