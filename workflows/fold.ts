/**
 * One fold of an experiment: the fold's class GANs (one activity per adversarial loss, on the
 * compute queue), then every cell x repeat evaluation. Cells that need no GAN start at once.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { EvaluationResult } from '../activities/evaluation-activities';
import type { TrainGansResult } from '../activities/gan-activities';
import type { Activities } from '../activities';
import type { GanSpecInput } from '../compute/cyclegan/gan-spec';
import type { Cell } from '../configs/experiment-plan';
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
  gans: (TrainGansResult & { loss: string })[];
}

export interface FoldProgress {
  gansDone: number;
  gansTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  memoHits: number;
}

export const foldProgressQuery = defineQuery<FoldProgress>('progress');

export async function foldWorkflow(input: FoldWorkflowInput): Promise<FoldWorkflowResult> {
  const { trainClassGans } = proxyActivities<Activities>(activityOptions(input.orchestration, 'compute'));
  const { evaluate } = proxyActivities<Activities>(activityOptions(input.orchestration, 'evaluation'));
  const losses = [...new Set(input.cells.flatMap((c) => (c.augmentation.method === 'cyclegan' ? [c.augmentation.loss] : [])))].sort();
  const progress: FoldProgress = {
    gansDone: 0, gansTotal: losses.length, evaluationsDone: 0, evaluationsTotal: input.cells.length * input.repeats, memoHits: 0,
  };
  setHandler(foldProgressQuery, () => progress);

  const gans = new Map<string, Promise<TrainGansResult>>();
  for (const loss of losses) {
    gans.set(loss, trainClassGans({
      featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
      gan: { ...input.gan, loss: loss as 'ce' | 'wdiv' }, seed: input.baseSeed,
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
