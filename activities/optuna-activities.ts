/**
 * The activities of an optuna sweep: ask Optuna for a slot's trial, report a trial's running
 * validation score after each outer fold (and hear whether to prune), tell its end. Thin
 * adapters over tracking/optuna/optuna-studies.ts (the study lives in Optuna's storage) that also keep
 * MLflow in step: the running score as a stepped metric of the trial's run, the trial's state
 * as a tag of it, the best so far as a metric of the sweep's run.
 *
 * Idempotent under retries: a retried ask returns the slot's trial (Optuna user attr
 * `serflow_slot`), a report of a step already reported changes nothing, a tell of a finished
 * trial is a no-op, and MLflow writes go through the run registry's *Once calls.
 */
import { pointConfig } from '../configs/load/sweep-config';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { InputError } from '../foundation/errors';
import { OPTUNA_OBJECTIVES_TAG, OPTUNA_STUDY_TAG, type OptunaDistribution, type SweepObjectiveRecord, type StudySpec, type StudySummary, type TrialState } from '../tracking/optuna/optuna-studies';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';

export interface AskTrialInput {
  study: StudySpec;
  /** The workflow's number for this trial, 0-based: the same slot always gets the same trial. */
  slot: number;
  space: Record<string, OptunaDistribution>;
  /** The sweep's base experiment as written; the trial's values go in at their dotted paths. */
  base: Record<string, unknown>;
  /** The trial's experiment is named `<sweepName>-<slot + 1>`. */
  sweepName: string;
}

export interface AskedTrial {
  number: number;
  state: TrialState;
  /** The sampled values, by dotted path. */
  values: Record<string, unknown>;
  /** Set for a trial that had already ended (a resumed sweep): what it was told. */
  objectiveValues: number[] | null;
  config: ExperimentConfig;
  configHash: string;
}

export interface ReportTrialStepInput {
  study: StudySpec;
  trial: number;
  /** Outer folds done, in fold order (1-based). */
  step: number;
  /** The running mean of the objective cell's validation score over those folds. */
  value: number;
  /** The trial's MLflow run (the experiment's parent run). */
  runId: string;
  metricKey: string;
}

export interface TellTrialInput {
  study: StudySpec;
  trial: number;
  end: { state: 'complete'; values: number[] } | { state: 'pruned' | 'fail' };
  /** The trial's MLflow run, when its experiment got as far as opening it. */
  runId?: string;
  /** The sweep's MLflow run, where the best so far goes. */
  sweepRunId: string;
  /** The objectives: metric name (e.g. "validation_uar"), cell and metric. */
  objectives: SweepObjectiveRecord[];
}

export interface ToldTrial {
  state: TrialState;
  counts: StudySummary['counts'];
  /** The best trial's number and values (the first of a Pareto front), when any trial completed. */
  best: { number: number; values: number[] } | undefined;
}

export function createOptunaActivities(deps: ActivityDeps) {
  return {
    async askTrial(input: AskTrialInput): Promise<AskedTrial> {
      return withFailureMapping(async () => {
        const studies = deps.installation.optunaStudies();
        const trial = await studies.ask(input.study, input.slot, input.space);
        try {
          const point = pointConfig(input.base, trial.params, `${input.sweepName}-${input.slot + 1}`);
          return { number: trial.number, state: trial.state, values: trial.params, objectiveValues: trial.values, config: point.config, configHash: point.configHash };
        } catch (err) {
          // A point the base config refuses can never run: the trial fails at once, never left RUNNING.
          if (err instanceof InputError) await studies.tell(input.study, trial.number, { state: 'fail' });
          throw err;
        }
      });
    },

    async reportTrialStep(input: ReportTrialStepInput): Promise<{ prune: boolean }> {
      return withFailureMapping(async () => {
        await deps.runs.logMetricsOnce(input.runId, [{ key: input.metricKey, value: input.value, step: input.step }]);
        const answer = await deps.installation.optunaStudies().report(input.study, input.trial, input.step, input.value);
        return { prune: answer.prune };
      });
    },

    async tellTrial(input: TellTrialInput): Promise<ToldTrial> {
      return withFailureMapping(async () => {
        const told = await deps.installation.optunaStudies().tell(input.study, input.trial, input.end, input.runId);
        if (input.runId) {
          await deps.runs.setTags(input.runId, { 'serflow.trial': String(input.trial), 'serflow.trial_state': told.trial.state });
          if (told.trial.state === 'pruned') {
            const steps = told.trial.intermediate.length;
            await deps.runs.setTags(input.runId, { 'serflow.pruned_after_folds': String(steps) });
          }
        }
        const finished = (told.counts.complete ?? 0) + (told.counts.pruned ?? 0) + (told.counts.fail ?? 0);
        const best = told.best[0];
        if (best?.values) {
          await deps.runs.logMetricsOnce(input.sweepRunId, best.values.map((value, i) => ({ key: `best/${input.objectives[i]?.name ?? `objective_${i}`}`, value, step: finished })));
        }
        await deps.runs.setTags(input.sweepRunId, {
          // What `serflow report` needs to find the study and name its objectives.
          [OPTUNA_STUDY_TAG]: input.study.study, [OPTUNA_OBJECTIVES_TAG]: JSON.stringify(input.objectives),
          ...Object.fromEntries((['complete', 'pruned', 'fail', 'running'] as const).map((state) => [`serflow.trials.${state}`, String(told.counts[state] ?? 0)])),
        });
        return { state: told.trial.state, counts: told.counts, best: best?.values ? { number: best.number, values: best.values } : undefined };
      });
    },
  };
}
