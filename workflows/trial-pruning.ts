/**
 * A sweep's trial inside its experiment: what it is scored by, the reports after each outer fold
 * and the pruning they may bring, and what it measured at the end. runExperiment
 * (workflows/experiment.ts) calls these; deterministic, no I/O of its own (the reports are the
 * `reportTrialStep` activity).
 *
 * An optuna trial (with its study) reports after each outer fold, in fold order, the running mean
 * of the first objective cell's validation score when its sweep prunes; when Optuna answers
 * prune, the experiment starts no further fold. A grid or random sweep's configuration with an
 * objective is a trial without a study: its objective cells are validated and measured, never
 * reported or pruned.
 */
import type { Activities } from '../activities';
import type { ReportTrialStepInput } from '../activities/optuna-activities';
import type { SweepObjective } from '../configs/schema/sweep';
import type { FoldWorkflowResult } from './fold';

export interface ExperimentTrial {
  /** Optuna's study (an optuna sweep's trial); absent for a grid or random sweep's configuration, which is neither reported nor pruned. */
  study?: ReportTrialStepInput['study'];
  number: number;
  objectives: SweepObjective[];
}

/** What a trial's experiment measured for Optuna (or for a grid or random sweep's choice of its best configuration). */
export interface TrialMeasure {
  pruned: boolean;
  /** Outer folds run (all of them unless pruned). */
  foldsDone: number;
  /** One per objective: the mean validation score of a `uar` objective, the GAN epochs of a `ganEpochs` one. */
  values: number[];
  /** The running means reported after each fold (empty when the sweep does not prune). */
  intermediate: number[];
}

/** MLflow metric of a trial's running validation score, stepped by folds done. */
export const TRIAL_RUNNING_METRIC = 'trial/running_validation_uar';

/** Mean over a fold's repeats of a cell's inner-CV validation score (the evaluations of a validated cell all carry one). */
export function foldValidationScore(result: FoldWorkflowResult, cellId: string): number {
  const scores = result.evaluations.filter((e) => e.cellId === cellId).map((e) => {
    if (!e.selection) throw new Error(`evaluation of ${cellId} has no validation score: the trial's plan validates its objective cells`);
    return e.selection.validationScore;
  });
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

export interface TrialPruning {
  pruned(): boolean;
  /** Records a finished fold and reports every step whose folds are now all done, in fold order. */
  foldDone(foldIndex: number, result: FoldWorkflowResult): Promise<void>;
  intermediate: number[];
}

/**
 * The reports of a pruned sweep's trial: step k (1-based) is reported once folds 0..k-1 are all
 * done, whatever order they finish in, so the steps are the same in every run of the trial.
 * Undefined when there is nothing to report: no trial, no study, or a study that does not prune.
 */
export function trialPruning(
  trial: ExperimentTrial | undefined, runId: string, foldCount: number, activities: { reportTrialStep?: Activities['reportTrialStep'] },
): TrialPruning | undefined {
  const study = trial?.study;
  if (!trial || !study || study.pruner.kind === 'none') return undefined;
  const report = activities.reportTrialStep;
  if (!report) throw new Error('runExperiment: a pruned trial needs the reportTrialStep activity');
  const cell = (trial.objectives[0] as SweepObjective).cell;
  const scores: (number | undefined)[] = new Array<number | undefined>(foldCount).fill(undefined);
  const intermediate: number[] = [];
  let prune = false;
  // One report at a time, in step order, whichever fold finishes first.
  let chain = Promise.resolve();
  return {
    pruned: () => prune,
    intermediate,
    foldDone(foldIndex, result) {
      scores[foldIndex] = foldValidationScore(result, cell);
      chain = chain.then(async () => {
        while (!prune && intermediate.length < foldCount && scores[intermediate.length] !== undefined) {
          const step = intermediate.length + 1;
          const value = (scores.slice(0, step) as number[]).reduce((a, b) => a + b, 0) / step;
          intermediate.push(value);
          const answer = await report({ study, trial: trial.number, step, value, runId, metricKey: TRIAL_RUNNING_METRIC });
          // The last fold's report cannot save anything: the trial completes.
          if (answer.prune && step < foldCount) prune = true;
        }
      });
      return chain;
    },
  };
}

export function trialMeasure(trial: ExperimentTrial, foldResults: FoldWorkflowResult[], pruning: TrialPruning | undefined): TrialMeasure {
  const values = trial.objectives.map((o) => (o.metric === 'uar'
    ? foldResults.reduce((sum, r) => sum + foldValidationScore(r, o.cell), 0) / foldResults.length
    : foldResults.reduce((sum, r) => sum + r.gans.reduce((n, g) => n + g.epochs, 0), 0)));
  return { pruned: pruning?.pruned() ?? false, foldsDone: foldResults.length, values, intermediate: [...(pruning?.intermediate ?? [])] };
}
