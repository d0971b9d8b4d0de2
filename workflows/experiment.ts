/**
 * One experiment config: tracking runs, features, folds, one child workflow per fold (bounded
 * concurrency), then the summary. Only orchestration happens here; every step is an activity.
 *
 * The orchestration is runExperiment, a function over the activities and a way to run a fold:
 * experimentWorkflow hands it activity proxies and child workflows, the orchestration-overhead
 * benchmark the same activities in-process and workflows/fold.ts's runFold, so the sequence is
 * written once. Cancellation clean-up stays in the workflow: it needs Temporal's scopes.
 *
 * An experiment that is a sweep's trial (input.trial) validates its objective cells (inner CV
 * even without a hyperparameter to select) and, when an optuna sweep prunes, reports after each
 * outer fold, in fold order, the running mean of the first objective cell's validation score;
 * when Optuna answers prune, the folds not yet started are skipped (those in flight end and stay
 * memoised), the summary covers the folds done, and the result says it was pruned. The reports
 * and the measure live in workflows/trial-pruning.ts.
 */
import {
  CancellationScope, defineQuery, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FeatureRef, FoldsRef } from '../activities/feature-activities';
import type { ExperimentSummary, ExperimentTracking } from '../activities/tracking-activities';
import { planCells } from '../configs/experiment-plan';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { activityOptions, type OrchestrationSettings } from './activity-options';
import { foldWorkflow, type FoldEvaluation, type FoldWorkflowInput, type FoldWorkflowResult } from './fold';
import { runBounded } from './run-bounded';
import { trialMeasure, trialPruning, type ExperimentTrial, type TrialMeasure } from './trial-pruning';

export { TRIAL_RUNNING_METRIC, type ExperimentTrial, type TrialMeasure } from './trial-pruning';

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
  /** Set when the experiment is a sweep's trial: an optuna trial, or a grid or random sweep's configuration scored by its objective. */
  trial?: ExperimentTrial;
}

export interface ExperimentProgress {
  phase: 'tracking' | 'features' | 'folds' | 'evaluating' | 'summarising' | 'done' | 'cancelled';
  foldsDone: number;
  foldsTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  memoHits: number;
  /**
   * GAN trainings of the finished folds. Folds plan their own (a fold's fit sets depend on its
   * speakers), so the experiment's total is known only once every fold has started.
   */
  gansDone?: number;
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
  // The extraction reads the corpus folder: on the queue that only machines with the folder poll.
  const extraction = proxyActivities<Activities>(activityOptions(input.orchestration, 'extraction'));
  const progress = initialExperimentProgress();
  setHandler(experimentProgressQuery, () => progress);

  let tracking: ExperimentTracking | undefined;
  try {
    return await runExperiment(input, {
      openExperiment: async (args) => (tracking = await short.openExperiment(args)),
      extractFeatures: extraction.extractFeatures,
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
  const pruning = trialPruning(trial, tracking.parentRunId, folds.folds.length, activities);
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
    progress.gansDone = (progress.gansDone ?? 0) + result.gans.length;
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
