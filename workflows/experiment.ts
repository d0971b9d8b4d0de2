/**
 * One experiment config: tracking runs, features, folds, one child workflow per fold (bounded
 * concurrency), then the summary. Only orchestration happens here; every step is an activity.
 *
 * The orchestration is runExperiment, a function over the activities and a way to run a fold:
 * experimentWorkflow hands it activity proxies and child workflows, the orchestration-overhead
 * benchmark the same activities in-process and workflows/fold.ts's runFold, so the sequence is
 * written once. Cancellation clean-up stays in the workflow: it needs Temporal's scopes.
 *
 * An experiment that is an optuna sweep's trial (input.trial) validates its objective cells
 * (inner CV even without a hyperparameter to select) and, when the sweep prunes, reports after
 * each outer fold, in fold order, the running mean of the first objective cell's validation
 * score; when Optuna answers prune, the folds not yet started are skipped (those in flight end
 * and stay memoised), the summary covers the folds done, and the result says it was pruned.
 */
import {
  CancellationScope, defineQuery, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FeatureRef, FoldsRef } from '../activities/feature-activities';
import type { ReportTrialStepInput } from '../activities/optuna-activities';
import type { ExperimentSummary, ExperimentTracking } from '../activities/tracking-activities';
import { planCells } from '../configs/experiment-plan';
import type { ExperimentConfig } from '../configs/schema/experiment';
import type { SweepObjective } from '../configs/schema/sweep';
import { activityOptions, type OrchestrationSettings } from './activity-options';
import { foldWorkflow, type FoldEvaluation, type FoldWorkflowInput, type FoldWorkflowResult } from './fold';
import { runBounded } from './run-bounded';

export interface ExperimentWorkflowInput {
  config: ExperimentConfig;
  configHash: string;
  /** Folder of the config file: relative corpus and feature paths are resolved against it. */
  configDir: string;
  mlflowExperiment: string;
  orchestration: OrchestrationSettings;
  /** Folds run at the same time (their activities still queue on the workers). */
  foldConcurrency?: number;
  /** The sweep this experiment belongs to, and its swept values (dotted path -> value). */
  sweep?: { id: string; parentRunId: string; values?: Record<string, unknown> };
  /** Set when the experiment is an optuna sweep's trial. */
  trial?: ExperimentTrial;
}

export interface ExperimentTrial {
  study: ReportTrialStepInput['study'];
  number: number;
  objectives: SweepObjective[];
}

/** What a trial's experiment measured for Optuna. */
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

export interface ExperimentProgress {
  phase: 'tracking' | 'features' | 'folds' | 'evaluating' | 'summarising' | 'done' | 'cancelled';
  foldsDone: number;
  foldsTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  memoHits: number;
  /** Fold workflows in flight (their own `progress` query tells how far each is). */
  runningFolds: string[];
}

export interface ExperimentWorkflowResult extends ExperimentSummary {
  features: Omit<FeatureRef, 'skipped'> & { skipped: number };
  folds: number;
  evaluations: number;
  memoHits: number;
  memoLookups: number;
  /** Set for an optuna trial. */
  trial?: TrialMeasure;
}

export const experimentProgressQuery = defineQuery<ExperimentProgress>('progress');

/**
 * What an experiment calls: the tracking and feature activities, and `executeFold`, which runs
 * one fold to its end under the given id (a child workflow in Temporal).
 */
export type ExperimentActivities = Pick<Activities, 'openExperiment' | 'extractFeatures' | 'prepareFolds' | 'finishExperiment'> & {
  executeFold(foldWorkflowId: string, input: FoldWorkflowInput): Promise<FoldWorkflowResult>;
  /** Needed by an optuna trial whose sweep prunes. */
  reportTrialStep?: Activities['reportTrialStep'];
};

export function initialExperimentProgress(): ExperimentProgress {
  return { phase: 'tracking', foldsDone: 0, foldsTotal: 0, evaluationsDone: 0, evaluationsTotal: 0, memoHits: 0, runningFolds: [] };
}

export async function experimentWorkflow(input: ExperimentWorkflowInput): Promise<ExperimentWorkflowResult> {
  const short = proxyActivities<Activities>(activityOptions(input.orchestration, 'short'));
  const compute = proxyActivities<Activities>(activityOptions(input.orchestration, 'compute'));
  const progress = initialExperimentProgress();
  setHandler(experimentProgressQuery, () => progress);

  let tracking: ExperimentTracking | undefined;
  try {
    return await runExperiment(input, {
      openExperiment: async (args) => (tracking = await short.openExperiment(args)),
      extractFeatures: compute.extractFeatures,
      prepareFolds: short.prepareFolds,
      finishExperiment: short.finishExperiment,
      reportTrialStep: short.reportTrialStep,
      executeFold: (foldWorkflowId, args) => executeChild(foldWorkflow, { workflowId: foldWorkflowId, args: [args] }),
    }, progress, workflowInfo().workflowId);
  } catch (err) {
    if (isCancellation(err) && tracking) {
      progress.phase = 'cancelled';
      const ids = tracking;
      // Cleanup must run even though this scope is cancelled.
      await CancellationScope.nonCancellable(() => short.markRunsEnded({ runIds: [ids.parentRunId, ...Object.values(ids.cellRuns)], status: 'KILLED' }));
    }
    throw err;
  }
}

/**
 * An experiment's activities in order: tracking runs, features, folds, the folds
 * (`foldConcurrency` at a time, each as `<workflowId>/fold-<i>`), the summary. Updates `progress`.
 */
export async function runExperiment(
  input: ExperimentWorkflowInput, activities: ExperimentActivities, progress: ExperimentProgress, workflowId: string,
): Promise<ExperimentWorkflowResult> {
  const { config, trial } = input;
  const cells = planCells(config, trial ? { validate: trial.objectives.map((o) => o.cell) } : {});
  const tracking = await activities.openExperiment({
    config, configHash: input.configHash, mlflowExperiment: input.mlflowExperiment, cells, workflowId,
    ...(input.sweep ? { sweep: input.sweep } : {}),
  });
  progress.phase = 'features';
  const features = await activities.extractFeatures({ corpus: config.corpus, features: config.features, configDir: input.configDir });
  if (features.memoHit) progress.memoHits++;
  progress.phase = 'folds';
  const folds: FoldsRef = await activities.prepareFolds({ featureKey: features.featureKey, protocol: config.protocol });
  progress.foldsTotal = folds.folds.length;
  progress.evaluationsTotal = folds.folds.length * cells.length * config.protocol.repeats;
  progress.phase = 'evaluating';
  const pruning = trial && trial.study.pruner.kind !== 'none' ? trialPruning(trial, tracking.parentRunId, folds.folds.length, activities) : undefined;
  const ran = await runBounded(folds.folds.map((_, foldIndex) => foldIndex), input.foldConcurrency ?? 2, async (foldIndex) => {
    if (pruning?.pruned()) return undefined;
    const foldWorkflowId = `${workflowId}/fold-${foldIndex}`;
    progress.runningFolds.push(foldWorkflowId);
    const result = await activities.executeFold(foldWorkflowId, {
      featureKey: features.featureKey, classes: features.classes, foldsKey: folds.foldsKey, foldIndex, cells,
      gan: config.gan, repeats: config.protocol.repeats, baseSeed: config.protocol.seed,
      experimentId: tracking.experimentId, parentRunId: tracking.parentRunId, cellRuns: tracking.cellRuns,
      orchestration: input.orchestration,
    });
    progress.runningFolds = progress.runningFolds.filter((id) => id !== foldWorkflowId);
    progress.foldsDone++;
    progress.evaluationsDone += result.evaluations.length;
    progress.memoHits += result.evaluations.filter((e) => e.memoHit).length + result.gans.filter((g) => g.memoHit).length;
    await pruning?.foldDone(foldIndex, result);
    return result;
  });
  const foldResults = ran.filter((r): r is FoldWorkflowResult => r !== undefined);
  progress.phase = 'summarising';
  const evaluations: FoldEvaluation[] = foldResults.flatMap((r) => r.evaluations);
  const memoLookups = 1 + evaluations.length + foldResults.reduce((n, r) => n + r.gans.length, 0);
  const summary = await activities.finishExperiment({
    tracking, cells, classes: features.classes,
    evaluations: evaluations.map(({ cellId, fold, repeat, wa, uar, confusion, addedPerClass, selection, validationRows }) => ({
      cellId, fold, repeat, wa, uar, confusion, addedPerClass, ...(selection ? { selection } : {}), ...(validationRows !== undefined ? { validationRows } : {}),
    })),
    features: { featureKey: features.featureKey, foldsKey: folds.foldsKey, rows: features.rows, cols: features.cols, extractor: features.extractor, datasetHash: features.datasetHash, skipped: features.skipped, ...(features.audio ? { audio: features.audio } : {}) },
    memo: { hits: progress.memoHits, total: memoLookups },
  });
  progress.phase = 'done';
  const { skipped, ...featureInfo } = features;
  return {
    ...summary, features: { ...featureInfo, skipped: skipped.length }, folds: folds.folds.length,
    evaluations: evaluations.length, memoHits: progress.memoHits, memoLookups,
    ...(trial ? { trial: trialMeasure(trial, foldResults, pruning) } : {}),
  };
}

/** Mean over a fold's repeats of a cell's inner-CV validation score (the evaluations of a validated cell all carry one). */
function foldValidationScore(result: FoldWorkflowResult, cellId: string): number {
  const scores = result.evaluations.filter((e) => e.cellId === cellId).map((e) => {
    if (!e.selection) throw new Error(`evaluation of ${cellId} has no validation score: the trial's plan validates its objective cells`);
    return e.selection.validationScore;
  });
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

interface TrialPruning {
  pruned(): boolean;
  /** Records a finished fold and reports every step whose folds are now all done, in fold order. */
  foldDone(foldIndex: number, result: FoldWorkflowResult): Promise<void>;
  intermediate: number[];
}

/**
 * The reports of a pruned sweep's trial: step k (1-based) is reported once folds 0..k-1 are all
 * done, whatever order they finish in, so the steps are the same in every run of the trial.
 */
function trialPruning(trial: ExperimentTrial, runId: string, foldCount: number, activities: ExperimentActivities): TrialPruning {
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
          const answer = await report({ study: trial.study, trial: trial.number, step, value, runId, metricKey: TRIAL_RUNNING_METRIC });
          // The last fold's report cannot save anything: the trial completes.
          if (answer.prune && step < foldCount) prune = true;
        }
      });
      return chain;
    },
  };
}

function trialMeasure(trial: ExperimentTrial, foldResults: FoldWorkflowResult[], pruning: TrialPruning | undefined): TrialMeasure {
  const values = trial.objectives.map((o) => (o.metric === 'uar'
    ? foldResults.reduce((sum, r) => sum + foldValidationScore(r, o.cell), 0) / foldResults.length
    : foldResults.reduce((sum, r) => sum + r.gans.reduce((n, g) => n + g.epochs, 0), 0)));
  return { pruned: pruning?.pruned() ?? false, foldsDone: foldResults.length, values, intermediate: [...(pruning?.intermediate ?? [])] };
}
