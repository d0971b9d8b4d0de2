/**
 * One fold of an experiment: the fold's class GANs, then every cell x repeat evaluation. Cells
 * that need no GAN start at once. The GANs are fold models: the fold first asks for its plan
 * (planFoldModels: per loss, every fit set its evaluations will augment, the refit's and each
 * inner split's, and the repeats that use it), then trains one per fit set and repeat (or per fit
 * set when `gan.shareAcrossRepeats`), a fit set's repeats as one group, on the compute queue; a
 * cycle-GAN evaluation gets every model of its loss and repeat and takes, for each set of rows it
 * augments, the one fitted on exactly those rows. Folds recorded before fit sets (patched
 * 'fit-sets') trained one GAN per loss and repeat on every outer-training row.
 *
 * The orchestration is runFold, a function over the activities it calls: foldWorkflow hands it
 * Temporal's activity proxies, the orchestration-overhead and sweep-scaling benchmarks hand it
 * the same activities called in-process, so there is one copy of which GANs a fold trains and
 * which evaluations it runs with which inputs. runFold stays deterministic (no I/O, clock or
 * randomness): it runs inside the workflow sandbox.
 */
import { defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { EvaluationResult, FoldModelRef, PlannedFoldModel } from '../activities/evaluation-activities';
import type { TrainGansInput, TrainGansResult } from '../activities/gan-activities';
import type { Activities } from '../activities';
import type { GanSpec } from '../compute/cyclegan/gan-spec';
import { ganLosses, needsFoldModels, type Cell } from '../configs/experiment-plan';
import type { GanLoss } from '../foundation/gan-loss';
import { activityOptions, type OrchestrationSettings } from './activity-options';

export interface FoldWorkflowInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  cells: Cell[];
  /**
   * The config's `gan` block as the experiment schema parsed it. One parsed before
   * `shareAcrossRepeats` existed (an experiment in flight or resumed from its recorded input)
   * lacks it: it was written when every repeat shared its fold's GANs, and keeps doing so.
   */
  gan: GanSpec;
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
  /**
   * One per GAN training: per loss, fit set and repeat (`repeat` set), or per loss and fit set
   * when the repeats share them; `fitSpeakers` absent for the fit set of every outer-training
   * speaker (and in folds recorded before fit sets).
   */
  gans: (TrainGansResult & { loss: GanLoss; repeat?: number; fitSpeakers?: string[] })[];
}

export interface FoldProgress {
  gansDone: number;
  gansTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  memoHits: number;
}

/** The activities a fold calls; in a workflow, proxies (the GAN trainings on the compute options, evaluate on the evaluation options). */
export type FoldActivities = Pick<Activities, 'trainClassGans' | 'trainClassGanGroup' | 'evaluate'>
  & { planFoldModels?: Activities['planFoldModels']; trainFittedModels?: Activities['trainFittedModels'] };

export const foldProgressQuery = defineQuery<FoldProgress>('progress');

/** How a fold runs that its input does not say: decided by the code path, not the config. */
export interface FoldRunOptions {
  /**
   * Whether this code path may train GANs per repeat. foldWorkflow sets it from
   * patched('gan-per-repeat'): false while replaying a fold workflow recorded before GANs per
   * repeat existed, so its history replays as it was recorded (one GAN per loss). Default true:
   * outside a workflow (the in-process benchmarks) there is no history to replay.
   */
  ganPerRepeatPatched?: boolean;
  /**
   * Whether this code path trains a loss's per-repeat GANs as one group (trainClassGanGroup):
   * patched('gan-groups') in foldWorkflow, false while replaying a fold recorded before groups
   * (one trainClassGans per loss and repeat). Default true.
   */
  ganGroupsPatched?: boolean;
  /**
   * Whether GANs are fold models fitted per fit set (planFoldModels first): patched('fit-sets'),
   * false while replaying a fold recorded before (one GAN per loss and repeat on every row).
   * Default true.
   */
  fitSetsPatched?: boolean;
}

/**
 * Whether the fold trains one GAN per (loss, repeat): only when its code path allows it and the
 * config asks for it; a `gan` block without `shareAcrossRepeats` predates the field and shares
 * (FoldWorkflowInput.gan says why).
 */
export function gansPerRepeat(input: Pick<FoldWorkflowInput, 'gan'>, options: FoldRunOptions = {}): boolean {
  return (options.ganPerRepeatPatched ?? true) && input.gan.shareAcrossRepeats === false;
}

/** Nothing done yet, the totals known from the input. */
export function initialFoldProgress(input: Pick<FoldWorkflowInput, 'cells' | 'repeats' | 'gan'>, options: FoldRunOptions = {}): FoldProgress {
  const gansTotal = ganLosses(input.cells).length * (gansPerRepeat(input, options) ? input.repeats : 1);
  return { gansDone: 0, gansTotal, evaluationsDone: 0, evaluationsTotal: input.cells.length * input.repeats, memoHits: 0 };
}

export async function foldWorkflow(input: FoldWorkflowInput): Promise<FoldWorkflowResult> {
  // First, before any command: a history recorded before this patch has no marker here.
  const options: FoldRunOptions = { ganPerRepeatPatched: patched('gan-per-repeat'), ganGroupsPatched: patched('gan-groups'), fitSetsPatched: patched('fit-sets') };
  const { trainClassGans, trainClassGanGroup } = proxyActivities<Activities>(activityOptions(input.orchestration, 'compute'));
  // The plan reads the fold's rows with the compute library: it runs where evaluations run.
  const { evaluate, planFoldModels, trainFittedModels } = proxyActivities<Activities>(activityOptions(input.orchestration, 'evaluation'));
  const progress = initialFoldProgress(input, options);
  setHandler(foldProgressQuery, () => progress);
  return runFold(input, { trainClassGans, trainClassGanGroup, evaluate, planFoldModels, trainFittedModels }, progress, options);
}

/**
 * A fold's activities in the order and concurrency a fold issues them: the plan of its fold
 * models (planFoldModels; a fold recorded before fit sets had none: one GAN per loss of every
 * outer-training speaker), every GAN training at once (per planned model, sorted by loss, its
 * repeats as one group: they differ only in their seed and train in one graph; or per repeat,
 * then per model, in a fold recorded before groups; or per model when the repeats share them),
 * the fitted models (Gaussian mixtures) in one activity, then every cell x repeat evaluation, one
 * with trained augmenters as soon as every model of its loss (or cell) and repeat is trained.
 * Updates `progress` as activities finish.
 */
export async function runFold(
  input: FoldWorkflowInput, activities: FoldActivities, progressIn?: FoldProgress, options: FoldRunOptions = {},
): Promise<FoldWorkflowResult> {
  const progress = progressIn ?? initialFoldProgress(input, options);
  const { trainClassGans, trainClassGanGroup, evaluate, planFoldModels, trainFittedModels } = activities;
  const perRepeat = gansPerRepeat(input, options);
  // A shared GAN's input is what it was before GANs per repeat (no repeat, no sharing flag), so
  // its memo entry and its MLflow run stay those of earlier runs (the activity's memo key also
  // leaves out a cycleLoss at 'mean': gan-spec.ts canonicalGanSpec).
  const { shareAcrossRepeats: _sharing, ...gan } = input.gan;
  const { models, fitted = [] } = (options.fitSetsPatched ?? true) && needsFoldModels(input.cells)
    ? await (planFoldModels ?? missing('planFoldModels'))({
      featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
      cells: input.cells, repeats: input.repeats, baseSeed: input.baseSeed,
    })
    // Before fit sets: one GAN per loss, of every outer-training speaker, for every repeat.
    : { models: ganLosses(input.cells).map((loss): PlannedFoldModel => ({ loss, repeats: [...Array(input.repeats).keys()], uses: [] })) };
  progress.gansTotal = models.reduce((n, m) => n + (perRepeat ? m.repeats.length : 1), 0);
  const trainingInput = (m: PlannedFoldModel, repeat: number | undefined): TrainGansInput => ({
    featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
    gan: { ...gan, loss: m.loss }, seed: input.baseSeed,
    ...(repeat === undefined ? {} : { repeat }),
    ...(m.fitSpeakers ? { fitSpeakers: m.fitSpeakers } : {}),
    experimentId: input.experimentId, parentRunId: input.parentRunId,
  });
  const trainings: { model: PlannedFoldModel; repeat: number | undefined; result: Promise<TrainGansResult> }[] = [];
  const trained = (model: PlannedFoldModel, repeat: number | undefined, result: Promise<TrainGansResult>): void => {
    trainings.push({
      model, repeat, result: result.then((r) => {
        progress.gansDone++;
        if (r.memoHit) progress.memoHits++;
        return r;
      }),
    });
  };
  if (!perRepeat) {
    for (const m of models) trained(m, undefined, trainClassGans(trainingInput(m, undefined)));
  } else if (options.ganGroupsPatched ?? true) {
    for (const m of models) {
      if (m.repeats.length === 1) {
        trained(m, m.repeats[0], trainClassGans(trainingInput(m, m.repeats[0])));
        continue;
      }
      const group = trainClassGanGroup({ members: m.repeats.map((repeat) => trainingInput(m, repeat)) });
      m.repeats.forEach((repeat, i) => trained(m, repeat, group.then((results) => results[i] as TrainGansResult)));
    }
  } else {
    // A fold recorded before groups: per repeat, then per loss.
    for (let r = 0; r < input.repeats; r++) {
      for (const m of models) if (m.repeats.includes(r)) trained(m, r, trainClassGans(trainingInput(m, r)));
    }
  }
  // The fitted kinds (Gaussian mixtures) of the whole fold in one activity: each fits in about a second.
  const fittedKeys = fitted.length === 0 ? Promise.resolve([]) : (trainFittedModels ?? missing('trainFittedModels'))({
    featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex, baseSeed: input.baseSeed,
    members: fitted.map((m) => ({ method: m.method, options: m.options, ...(m.fitSpeakers ? { fitSpeakers: m.fitSpeakers } : {}), repeat: m.repeat })),
  });
  /** Every trained model an evaluation of this cell and repeat may ask for; undefined for a cell that trains none. */
  const modelsOf = async (cell: Cell, repeat: number): Promise<FoldModelRef[] | undefined> => {
    const a = cell.augmentation;
    if (a.method === 'cyclegan') {
      return Promise.all(trainings.filter((t) => t.model.loss === a.loss && t.model.repeats.includes(repeat) && (t.repeat === undefined || t.repeat === repeat))
        .map(async (t) => ({ ...(t.model.fitSpeakers ? { fitSpeakers: t.model.fitSpeakers } : {}), key: (await t.result).ganKey })));
    }
    if (!fitted.some((m) => m.cells.includes(cell.id))) return undefined;
    const keys = await fittedKeys;
    return fitted.flatMap((m, i) => (m.repeat === repeat && m.cells.includes(cell.id)
      ? [{ kind: m.method, ...(m.fitSpeakers ? { fitSpeakers: m.fitSpeakers } : {}), key: (keys[i] as { key: string }).key }] : []));
  };

  const evaluations = await Promise.all(
    input.cells.flatMap((cell) =>
      Array.from({ length: input.repeats }, async (_, repeat): Promise<FoldEvaluation> => {
        // Only a cell with trained augmenters waits: the others are scheduled at once, beside the trainings.
        const foldModels = await modelsOf(cell, repeat);
        const result = await evaluate({
          featureKey: input.featureKey, classes: input.classes, foldsKey: input.foldsKey, foldIndex: input.foldIndex,
          cell, repeat, baseSeed: input.baseSeed, runId: input.cellRuns[cell.id] as string,
          ...(foldModels ? { foldModels } : {}),
        });
        progress.evaluationsDone++;
        if (result.memoHit) progress.memoHits++;
        return { ...result, cellId: cell.id };
      }),
    ),
  );
  const gans = await Promise.all(trainings.map(async ({ model, repeat, result }) => ({
    ...(await result), loss: model.loss, ...(repeat === undefined ? {} : { repeat }), ...(model.fitSpeakers ? { fitSpeakers: model.fitSpeakers } : {}),
  })));
  return { evaluations, gans };
}

function missing(activity: string): never {
  throw new Error(`runFold: a fold with trained augmenters needs the ${activity} activity`);
}
