/**
 * A worker's activities called in-process, without Temporal, for the baselines of the
 * orchestration-overhead and sweep-scaling benchmarks. Each call runs under Temporal's mock
 * activity context (heartbeats and the cancellation signal work as in a worker), and the compute
 * ones (features, GAN training, evaluation) at most `computeConcurrency` at a time, first come
 * first served, as a compute worker runs them. The orchestration is not copied: the workflows'
 * own runExperiment and runFold issue these activities, with the same inputs in the same order.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Activities } from '../activities';
import { initialExperimentProgress, runExperiment, type ExperimentActivities, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../workflows/experiment';
import { runFold, type FoldActivities, type FoldRunOptions } from '../workflows/fold';

export type InProcessActivities = Omit<ExperimentActivities, 'executeFold'> & FoldActivities;

export function inProcessActivities(activities: Activities, computeConcurrency: number): InProcessActivities {
  const env = new MockActivityEnvironment();
  const slots = concurrencyLimit(computeConcurrency);
  const call = <I, R>(fn: (input: I) => Promise<R>) => (input: I): Promise<R> => env.run(fn as never, input as never) as Promise<R>;
  const compute = <I, R>(fn: (input: I) => Promise<R>) => (input: I): Promise<R> => slots(() => call(fn)(input));
  return {
    openExperiment: call(activities.openExperiment),
    prepareFolds: call(activities.prepareFolds),
    finishExperiment: call(activities.finishExperiment),
    extractFeatures: compute(activities.extractFeatures),
    trainClassGans: compute(activities.trainClassGans),
    trainClassGanGroup: compute(activities.trainClassGanGroup),
    planFoldModels: compute(activities.planFoldModels),
    trainFittedModels: compute(activities.trainFittedModels),
    evaluate: compute(activities.evaluate),
  };
}

/**
 * An experiment as experimentWorkflow runs it, each fold through runFold instead of a child
 * workflow, on the current code path: foldWorkflow asks patched('gan-per-repeat') only so that
 * histories recorded before GANs per repeat replay; a fold run here has no history.
 */
export function runExperimentInProcess(input: ExperimentWorkflowInput, activities: InProcessActivities, workflowId: string): Promise<ExperimentWorkflowResult> {
  const options: FoldRunOptions = { ganPerRepeatPatched: true };
  return runExperiment(input, {
    ...activities,
    executeFold: (_foldWorkflowId, foldInput) => runFold(foldInput, activities, undefined, options),
  }, initialExperimentProgress(), workflowId);
}

/** Runs at most `limit` tasks at a time, the others in the order they were submitted. */
function concurrencyLimit(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
