/**
 * One experiment config: tracking runs, features, folds, one child workflow per fold (bounded
 * concurrency), then the summary. Only orchestration happens here; every step is an activity.
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
import { foldWorkflow, type FoldEvaluation } from './fold';
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
  sweep?: { id: string; parentRunId: string };
}

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
}

export const experimentProgressQuery = defineQuery<ExperimentProgress>('progress');

export async function experimentWorkflow(input: ExperimentWorkflowInput): Promise<ExperimentWorkflowResult> {
  const short = proxyActivities<Activities>(activityOptions(input.orchestration, 'short'));
  const compute = proxyActivities<Activities>(activityOptions(input.orchestration, 'compute'));
  const { config } = input;
  const cells = planCells(config);
  const progress: ExperimentProgress = { phase: 'tracking', foldsDone: 0, foldsTotal: 0, evaluationsDone: 0, evaluationsTotal: 0, memoHits: 0, runningFolds: [] };
  setHandler(experimentProgressQuery, () => progress);
  const workflowId = workflowInfo().workflowId;

  let tracking: ExperimentTracking | undefined;
  try {
    tracking = await short.openExperiment({
      config, configHash: input.configHash, mlflowExperiment: input.mlflowExperiment, cells, workflowId,
      ...(input.sweep ? { sweep: input.sweep } : {}),
    });
    progress.phase = 'features';
    const features = await compute.extractFeatures({ corpus: config.corpus, features: config.features, configDir: input.configDir });
    if (features.memoHit) progress.memoHits++;
    progress.phase = 'folds';
    const folds: FoldsRef = await short.prepareFolds({ featureKey: features.featureKey, protocol: config.protocol });
    progress.foldsTotal = folds.folds.length;
    progress.evaluationsTotal = folds.folds.length * cells.length * config.protocol.repeats;
    progress.phase = 'evaluating';
    const trackingIds = tracking;
    const foldResults = await runBounded(folds.folds.map((_, foldIndex) => foldIndex), input.foldConcurrency ?? 2, async (foldIndex) => {
      const foldWorkflowId = `${workflowId}/fold-${foldIndex}`;
      progress.runningFolds.push(foldWorkflowId);
      const result = await executeChild(foldWorkflow, {
        workflowId: foldWorkflowId,
        args: [{
          featureKey: features.featureKey, classes: features.classes, foldsKey: folds.foldsKey, foldIndex, cells,
          gan: config.gan, repeats: config.protocol.repeats, baseSeed: config.protocol.seed,
          experimentId: trackingIds.experimentId, parentRunId: trackingIds.parentRunId, cellRuns: trackingIds.cellRuns,
          orchestration: input.orchestration,
        }],
      });
      progress.runningFolds = progress.runningFolds.filter((id) => id !== foldWorkflowId);
      progress.foldsDone++;
      progress.evaluationsDone += result.evaluations.length;
      progress.memoHits += result.evaluations.filter((e) => e.memoHit).length + result.gans.filter((g) => g.memoHit).length;
      return result;
    });
    progress.phase = 'summarising';
    const evaluations: FoldEvaluation[] = foldResults.flatMap((r) => r.evaluations);
    const memoLookups = 1 + evaluations.length + foldResults.reduce((n, r) => n + r.gans.length, 0);
    const summary = await short.finishExperiment({
      tracking, cells, classes: features.classes,
      evaluations: evaluations.map(({ cellId, fold, repeat, wa, uar, confusion, addedPerClass }) => ({ cellId, fold, repeat, wa, uar, confusion, addedPerClass })),
      features: { featureKey: features.featureKey, foldsKey: folds.foldsKey, rows: features.rows, cols: features.cols, extractor: features.extractor, datasetHash: features.datasetHash, skipped: features.skipped },
      memo: { hits: progress.memoHits, total: memoLookups },
    });
    progress.phase = 'done';
    const { skipped, ...featureInfo } = features;
    return {
      ...summary, features: { ...featureInfo, skipped: skipped.length }, folds: folds.folds.length,
      evaluations: evaluations.length, memoHits: progress.memoHits, memoLookups,
    };
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
