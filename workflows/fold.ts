/**
 * One fold of an experiment: the fold's class GANs (one activity per adversarial loss, on the
 * compute queue), then every cell x repeat evaluation. Cells that need no GAN start at once.
 *
 * The orchestration is runFold, a function over the activities it calls: foldWorkflow hands it
 * Temporal's activity proxies, the orchestration-overhead and sweep-scaling benchmarks hand it
 * the same activities called in-process, so there is one copy of which GANs a fold trains and
 * which evaluations it runs with which inputs. runFold stays deterministic (no I/O, clock or
 * randomness): it runs inside the workflow sandbox.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { EvaluationResult } from '../activities/evaluation-activities';
import type { TrainGansResult } from '../activities/gan-activities';
import type { Activities } from '../activities';
import type { GanSpecInput } from '../compute/cyclegan/gan-spec';
import { ganLosses, type Cell } from '../configs/experiment-plan';
import type { GanLoss } from '../foundation/gan-loss';
import { activityOptions, type OrchestrationSettings } from './activity-options';

export interface FoldWorkflowInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  cells: Cell[];
  gan: GanSpecInput;
  repeats: number;
  baseSeed: number;
  experimentId: string;
  parentRunId: string;
  cellRuns: Record<string, string>;
  orchestration: OrchestrationSettings;
}

export interface FoldEvaluation extends EvaluationResult {
  cellId: string;
}

export interface FoldWorkflowResult {
  evaluations: FoldEvaluation[];
  gans: (TrainGansResult & { loss: GanLoss })[];
}

export interface FoldProgress {
  gansDone: number;
  gansTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  memoHits: number;
}

/** The activities a fold calls; in a workflow, proxies (trainClassGans on the compute options, evaluate on the evaluation options). */
export type FoldActivities = Pick<Activities, 'trainClassGans' | 'evaluate'>;

export const foldProgressQuery = defineQuery<FoldProgress>('progress');

/** Nothing done yet, the totals known from the input. */
export function initialFoldProgress(input: Pick<FoldWorkflowInput, 'cells' | 'repeats'>): FoldProgress {
  return { gansDone: 0, gansTotal: ganLosses(input.cells).length, evaluationsDone: 0, evaluationsTotal: input.cells.length * input.repeats, memoHits: 0 };
}

export async function foldWorkflow(input: FoldWorkflowInput): Promise<FoldWorkflowResult> {
  const { trainClassGans } = proxyActivities<Activities>(activityOptions(input.orchestration, 'compute'));
  const { evaluate } = proxyActivities<Activities>(activityOptions(input.orchestration, 'evaluation'));
  const progress = initialFoldProgress(input);
  setHandler(foldProgressQuery, () => progress);
  return runFold(input, { trainClassGans, evaluate }, progress);
}

/**
 * A fold's activities in the order and concurrency a fold issues them: one GAN training per loss
 * (sorted) at once, then every cell x repeat evaluation, a cycle-GAN one as soon as its loss's GAN
 * is trained. Updates `progress` as activities finish.
 */
export async function runFold(input: FoldWorkflowInput, activities: FoldActivities, progress: FoldProgress = initialFoldProgress(input)): Promise<FoldWorkflowResult> {
  const { trainClassGans, evaluate } = activities;
  const losses = ganLosses(input.cells);
  const gans = new Map<GanLoss, Promise<TrainGansResult>>();
  for (const loss of losses) {
    gans.set(loss, trainClassGans({
      featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
      gan: { ...input.gan, loss }, seed: input.baseSeed,
      experimentId: input.experimentId, parentRunId: input.parentRunId,
    }).then((r) => {
      progress.gansDone++;
      if (r.memoHit) progress.memoHits++;
      return r;
    }));
  }

  const evaluations = await Promise.all(
    input.cells.flatMap((cell) =>
      Array.from({ length: input.repeats }, async (_, repeat): Promise<FoldEvaluation> => {
        // Only a cycle-GAN cell waits: the others are scheduled at once, beside the GAN trainings.
        const gan = cell.augmentation.method === 'cyclegan' ? await gans.get(cell.augmentation.loss) : undefined;
        const result = await evaluate({
          featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
          cell, repeat, baseSeed: input.baseSeed, runId: input.cellRuns[cell.id] as string,
          ...(gan ? { ganKey: gan.ganKey } : {}),
        });
        progress.evaluationsDone++;
        if (result.memoHit) progress.memoHits++;
        return { ...result, cellId: cell.id };
      }),
    ),
  );
  const ganResults = await Promise.all(losses.map(async (loss) => ({ ...(await (gans.get(loss) as Promise<TrainGansResult>)), loss })));
  return { evaluations, gans: ganResults };
}
