/**
 * The Optuna study of a sweep, from any id serflow prints for it (what `serflow dashboard` opens).
 * An optuna sweep's study is named after its sweep id (cli: optunaSweepInput) and its MLflow run
 * carries the name (tag serflow.optuna_study, from its first finished trial on). So:
 *   1. a study of the storage named as the id, or as the id without `sweep-` (a workflow id):
 *      that one, without asking MLflow (MLflow may be down; the study is all the dashboard needs);
 *   2. otherwise the run `serflow report` would find (report-target.ts: a parent run id, a
 *      workflow id or a sweep id): a sweep's run names its study, or, before its first trial
 *      ended, its sweep id does.
 * Every miss is an InputError naming the id, what was looked at and the fix.
 */
import { InputError } from '../foundation/errors';
import { redactText } from '../logging/redact';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { Run } from '../tracking/mlflow-schemas';
import { OPTUNA_STUDY_TAG, type OptunaStudies, type StoredStudy } from '../tracking/optuna/optuna-studies';
import { resolveReportTarget, tagOf, type ReportTarget } from './report-target';

export interface SweepStudyDeps {
  mlflow: MlflowClient;
  /** The studies of `storage`. */
  studies: Pick<OptunaStudies, 'studies'>;
  /** The storage's URL, for messages (shown with its password redacted). */
  storage: string;
}

export interface SweepStudy {
  /** The study's name in the storage. */
  study: string;
  trials: number;
  /** The sweep's MLflow run, when the id was found through MLflow. */
  runId?: string;
}

/** Prefix of a sweep's workflow id (cli/launch/workflow-ids.ts). */
const SWEEP_WORKFLOW_PREFIX = 'sweep-';

export async function resolveSweepStudy(deps: SweepStudyDeps, id: string): Promise<SweepStudy> {
  const stored = new Map((await deps.studies.studies()).map((s) => [s.name, s]));
  const storage = redactText(deps.storage);
  const byName = [id, id.startsWith(SWEEP_WORKFLOW_PREFIX) ? id.slice(SWEEP_WORKFLOW_PREFIX.length) : undefined]
    .map((name) => (name === undefined ? undefined : stored.get(name)))
    .find((s): s is StoredStudy => s !== undefined);
  if (byName) return { study: byName.name, trials: byName.trials };

  const run = await sweepRun(deps.mlflow, id, storage);
  const sweepId = tagOf(run, 'serflow.sweep_id');
  const named = tagOf(run, OPTUNA_STUDY_TAG) ?? sweepId;
  const study = named === undefined ? undefined : stored.get(named);
  if (study) return { study: study.name, trials: study.trials, runId: run.info.run_id };
  if (tagOf(run, OPTUNA_STUDY_TAG) !== undefined) {
    throw new InputError({
      field: 'id',
      reason: `the study ${JSON.stringify(named)} of sweep ${sweepId ?? id} (run ${run.info.run_id}) is not in the Optuna storage ${storage}`,
      fix: 'set SERFLOW_OPTUNA_STORAGE to the storage the sweep ran with (infra/multi-machine.md)',
    });
  }
  throw new InputError({
    field: 'id',
    reason: `sweep ${sweepId ?? id} (run ${run.info.run_id}) is not an Optuna sweep: its run names no study and the Optuna storage ${storage} has none called ${JSON.stringify(sweepId ?? id)}`,
    fix: 'optuna-dashboard shows sweeps with `search: { kind: optuna }` (`serflow report` draws any sweep); a sweep run with another SERFLOW_OPTUNA_STORAGE needs that setting',
  });
}

/** The sweep run `serflow report` would find for the id; an InputError for anything else. */
async function sweepRun(mlflow: MlflowClient, id: string, storage: string): Promise<Run> {
  let target: ReportTarget;
  try {
    target = await resolveReportTarget(mlflow, id);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError({
      field: 'id',
      reason: `no sweep has the id ${JSON.stringify(id)}: the Optuna storage ${storage} has no study of that name, and ${error.details.reason}`,
      fix: 'give the sweep id, its workflow id (sweep-...) or its MLflow run id as `serflow sweep` printed them (`serflow list` shows them); a sweep run with another SERFLOW_OPTUNA_STORAGE needs that setting',
    });
  }
  if (target.kind === 'experiment') {
    const sweep = tagOf(target.run, 'serflow.sweep_id');
    throw new InputError({
      field: 'id', reason: `${JSON.stringify(id)} is an experiment (run ${target.run.info.run_id}), not a sweep`,
      fix: sweep ? `give the id of its sweep: serflow dashboard ${sweep}` : 'give the id of an Optuna sweep (`serflow list` shows them)',
    });
  }
  return target.run;
}
