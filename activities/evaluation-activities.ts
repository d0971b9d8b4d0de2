/**
 * One evaluation: a fold's training part (z-normalised on itself), the classifier's selected
 * hyperparameters chosen on its speakers when the cell selects any, augmented as the cell says,
 * a classifier fitted and scored on the fold's test part. Memoised by its inputs; logged to the
 * cell's MLflow run as metrics named by fold and repeat (wa, uar, and for a selection
 * `selected/<param>` and `validation_uar`), and the confusion matrix as an artifact. A thin
 * adapter: it loads the references (fold sets with their speakers, the fold's trained
 * augmenters, one per fit set), and compute/evaluate.ts does the rest for every method alike.
 * `planFoldModels` lists, for a fold, the fit sets its evaluations will ask for
 * (compute/evaluate/fit-sets-of-evaluation.ts), from the same settings as `evaluate`.
 */
import { Context } from '@temporalio/activity';
import { evaluateFold } from '../compute/evaluate';
import { fitSetsOfEvaluation } from '../compute/evaluate/fit-sets-of-evaluation';
import { everySpeaker, sameSpeakers } from '../compute/fold-models/fit-sets';
import { FITTED_KINDS, type FittedMethod } from '../compute/fold-models/fitted-kinds';
import type { FoldModels, TrainedAugmenter } from '../compute/fold-models/trained-augmenter';
import type { FoldSets } from '../compute/folds/fold-sets';
import type { ArtifactStore } from '../store/artifact-store';
import type { ConfusionMatrix } from '../compute/metrics';
import type { Cell } from '../configs/experiment-plan';
import { evaluationSettings, planFittedModels, planFoldModels, type PlannedFittedModel, type PlannedFoldModel } from '../configs/fold-model-plan';
import { CLASSIFIER_TRAITS } from '../compute/classify/classifier-spec';
import { withFailureMapping } from './activity-failure';
import { refitProgress } from './refit-progress';
import type { ActivityDeps } from './activity-deps';
import { loadFoldSets } from '../store/fold-store';
import { acquireGenerators } from '../store/restored-gans';
import { memoised } from './memo';

export interface EvaluateInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  cell: Cell;
  repeat: number;
  /** The experiment's base seed; the evaluation's seed derives from it, the fold and the repeat. */
  baseSeed: number;
  /**
   * The fold's trained class GANs for this repeat and loss, one per fit set (planFoldModels), for
   * cycle-GAN cells. `fitSpeakers` absent: fitted on every outer-training speaker.
   */
  foldModels?: FoldModelRef[];
  /**
   * Before fit sets: the one GAN of the fold for this repeat and loss, fitted on every
   * outer-training row. Still read for evaluations recorded then (a workflow in flight); it can
   * serve only the uses that augment every outer-training row, the seam refuses the others.
   */
  ganKey?: string;
  /** The cell's MLflow run. */
  runId: string;
}

export type { PlannedFittedModel, PlannedFoldModel } from '../configs/fold-model-plan';

/**
 * A trained fold model by reference: the speakers it was fitted on (absent: all of the outer
 * training part), its store key, and its kind (absent: a cycle-GAN checkpoint; else a fitted kind
 * of compute/fold-models/fitted-kinds.ts).
 */
export interface FoldModelRef {
  fitSpeakers?: string[];
  /** The model's store key: a GAN checkpoint (TrainGansResult.ganKey), or a fitted kind's bytes. */
  key: string;
  kind?: FittedMethod;
}

export interface PlanFoldModelsInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  /** The fold's cells; only those whose method trains a model count. */
  cells: Cell[];
  repeats: number;
  baseSeed: number;
}

export interface EvaluationResult {
  fold: string;
  repeat: number;
  wa: number;
  uar: number;
  confusion: ConfusionMatrix;
  addedPerClass: Record<string, number>;
  /** Real training rows of the outer fold, for every method alike (addedRows beside it). */
  trainRows: number;
  testRows: number;
  warnings: string[];
  memoHit: boolean;
  // The fields below are always set by this activity; optional because results recorded in
  // workflow histories before them (memo version 2) lack them.
  /** Synthetic rows added (the sum of addedPerClass). */
  addedRows?: number;
  /** Real training rows held out (whole speakers) for early stopping; 0 when the classifier does not early-stop. */
  validationRows?: number;
  /** Only when the cell selects a hyperparameter: what was chosen on the training speakers, and every candidate's mean inner score. */
  selection?: {
    metric: 'uar';
    chosen: Record<string, number>;
    validationScore: number;
    candidates: { values: Record<string, number>; score: number }[];
  };
}

export function createEvaluationActivities(deps: ActivityDeps) {
  return {
    /** The models the fold's evaluations will ask for, per loss and fit set (configs/fold-model-plan.ts). */
    async planFoldModels(input: PlanFoldModelsInput): Promise<{ models: PlannedFoldModel[]; fitted?: PlannedFittedModel[] }> {
      return withFailureMapping(async () => {
        const sets = await loadFoldSets(deps.store, input);
        const fold = { name: sets.fold.name, train: sets.train, trainSpeakers: sets.trainSpeakers };
        const fitted = planFittedModels(input.cells, input.repeats, input.baseSeed, fold);
        return { models: planFoldModels(input.cells, input.repeats, input.baseSeed, fold), ...(fitted.length > 0 ? { fitted } : {}) };
      });
    },

    async evaluate(input: EvaluateInput): Promise<EvaluationResult> {
      // Heartbeats while the evaluation runs (fit, MLflow retries), so that a dead worker is
      // noticed after the heartbeat timeout (workflows/activity-options.ts).
      const ctx = Context.current();
      // The last details given (a refit's checkpoint key) go with every heartbeat.
      let details: unknown;
      const beat = (d: unknown): void => {
        details = d;
        ctx.heartbeat(details);
      };
      const keepAlive = setInterval(() => ctx.heartbeat(details), 1000);
      try {
        return await evaluateOnce(input, beat);
      } finally {
        clearInterval(keepAlive);
      }
    },
  };

  async function evaluateOnce(input: EvaluateInput, beat: (details: unknown) => void): Promise<EvaluationResult> {
    return withFailureMapping(async () => {
      const { runId, ...memoInputs } = input;
      const memo = await memoised(deps.store, 'evaluation', memoInputs, async () => {
        const sets = await loadFoldSets(deps.store, input);
        const { fold, train, test, trainSpeakers } = sets;
        const ctx = Context.current();
        const progress = CLASSIFIER_TRAITS[input.cell.classifierSpec.kind].checkpoints
          ? await refitProgress(deps, { memoInputs, runId, metricPrefix: `fold_${fold.name}/r${input.repeat}` }, ctx, deps.logger.child({ cell: input.cell.id, fold: fold.name, repeat: input.repeat }), beat)
          : undefined;
        const refs = input.foldModels ?? (input.ganKey ? [{ key: input.ganKey }] : undefined);
        const restored = refs ? await restoreFoldModels(deps.store, refs, sets, input) : undefined;
        let result: Awaited<ReturnType<typeof evaluateFold>>;
        try {
          result = await evaluateFold({
            train, test, trainSpeakers, augmentation: input.cell.augmentation, classifier: input.cell.classifierSpec,
            ...evaluationSettings(input.baseSeed, input.cell, fold.name, input.repeat),
            ...(restored ? { foldModels: restored.models } : {}),
            ...(progress ? { refitProgress: progress } : {}),
          });
        } finally {
          restored?.release();
        }
        const value: Omit<EvaluationResult, 'memoHit'> = {
          fold: fold.name, repeat: input.repeat, wa: result.metrics.wa, uar: result.metrics.uar, confusion: result.confusion,
          addedPerClass: result.augmentation.addedPerClass, trainRows: result.trainRows, testRows: result.testRows, warnings: result.augmentation.warnings,
          addedRows: result.addedRows, validationRows: result.validationRows,
          ...(result.selection ? { selection: result.selection } : {}),
        };
        return value;
      });
      const r = memo.value;
      const prefix = `fold_${r.fold}/r${input.repeat}`;
      await deps.runs.logMetricsOnce(runId, [
        { key: `${prefix}/wa`, value: r.wa, step: 0 },
        { key: `${prefix}/uar`, value: r.uar, step: 0 },
        ...(r.selection ? [
          ...Object.entries(r.selection.chosen).map(([param, value]) => ({ key: `${prefix}/selected/${param}`, value, step: 0 })),
          { key: `${prefix}/validation_uar`, value: r.selection.validationScore, step: 0 },
        ] : []),
      ]);
      const run = await deps.mlflow.getRun(runId);
      await deps.runs.logArtifact(run, `confusion/${r.fold}_r${input.repeat}.json`, Buffer.from(JSON.stringify({ classes: input.classes, confusion: r.confusion, addedPerClass: r.addedPerClass })));
      if (memo.memoHit) deps.logger.info({ cell: input.cell.id, fold: r.fold, repeat: input.repeat }, 'evaluation reused from the memo');
      return { ...r, memoHit: memo.memoHit };
    });
  }
}

/**
 * The referenced models of the fit sets this evaluation will ask for (fitSetsOfEvaluation: an
 * evaluation without a selection needs only its refit's), restored (cycle-GANs through the
 * worker's cache, held until `release`), each answering for its fit set.
 */
async function restoreFoldModels(store: ArtifactStore, refs: FoldModelRef[], sets: FoldSets & { fold: { name: string } }, input: EvaluateInput): Promise<{ models: FoldModels; release(): void }> {
  const all = everySpeaker(sets.trainSpeakers);
  const asked = fitSetsOfEvaluation({
    ...evaluationSettings(input.baseSeed, input.cell, sets.fold.name, input.repeat),
    train: sets.train, trainSpeakers: sets.trainSpeakers, augmentation: input.cell.augmentation, classifier: input.cell.classifierSpec,
  });
  // Unplanned refs stay unloaded; a set asked for without a ref is named by fittedOn below.
  const needed = refs.filter((r) => asked.some((a) => sameSpeakers(a.speakers, r.fitSpeakers ?? all)));
  const gans = await acquireGenerators(store, needed.filter((r) => !r.kind).map((r) => r.key));
  try {
    const restored = await Promise.all(needed.map(async (r) => ({
      speakers: r.fitSpeakers ?? all,
      model: r.kind ? FITTED_KINDS[r.kind].restore(await store.get(r.key)) : gans.models.get(r.key) as TrainedAugmenter,
    })));
    return {
      release: gans.release,
      models: {
        fittedOn(speakers: readonly string[]): TrainedAugmenter {
          const hit = restored.find((r) => sameSpeakers(r.speakers, speakers));
          if (!hit) {
            const trained = refs.map((r) => `[${(r.fitSpeakers ?? all).join(', ')}]`).join(', ');
            throw new Error(`no trained model of this fold was fitted on speakers ${speakers.join(', ')}; the fold trained ${trained} (a plan that does not match the evaluation: a bug)`);
          }
          return hit.model;
        },
      },
    };
  } catch (err) {
    gans.release();
    throw err;
  }
}
