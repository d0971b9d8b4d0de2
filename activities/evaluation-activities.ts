/**
 * One evaluation: a fold's training part (z-normalised on itself), the classifier's selected
 * hyperparameters chosen on its speakers when the cell selects any, augmented as the cell says,
 * a classifier fitted and scored on the fold's test part. Memoised by its inputs; logged to the
 * cell's MLflow run as metrics named by fold and repeat (wa, uar, and for a selection
 * `selected/<param>` and `validation_uar`), and the confusion matrix as an artifact. A thin
 * adapter: it loads the references (fold sets with their speakers, the fold's GANs), and
 * compute/evaluate.ts does the rest for every method alike.
 */
import { Context } from '@temporalio/activity';
import { evaluateFold } from '../compute/evaluate';
import type { ConfusionMatrix } from '../compute/metrics';
import { deriveSeed } from '../compute/random';
import type { Cell } from '../configs/experiment-plan';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { loadFoldSets } from '../store/fold-store';
import { loadGenerator } from '../store/restored-gans';
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
  /** The fold's trained class GANs, for cycle-GAN cells. */
  ganKey?: string;
  /** The cell's MLflow run. */
  runId: string;
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
    async evaluate(input: EvaluateInput): Promise<EvaluationResult> {
      // Heartbeats while the evaluation runs (fit, MLflow retries), so that a dead worker is
      // noticed after the heartbeat timeout (workflows/activity-options.ts).
      const ctx = Context.current();
      const keepAlive = setInterval(() => ctx.heartbeat(), 1000);
      try {
        return await evaluateOnce(input);
      } finally {
        clearInterval(keepAlive);
      }
    },
  };

  async function evaluateOnce(input: EvaluateInput): Promise<EvaluationResult> {
    return withFailureMapping(async () => {
      const { runId, ...memoInputs } = input;
      const memo = await memoised(deps.store, 'evaluation', memoInputs, async () => {
        const { fold, train, test, trainSpeakers } = await loadFoldSets(deps.store, input);
        // The same seed for every cell of a (fold, repeat): methods are compared on equal
        // classifier initialisations and batch orders (common random numbers).
        const seed = deriveSeed(input.baseSeed, 'evaluation', fold.name, input.repeat);
        Context.current().heartbeat();
        const generator = input.ganKey ? await loadGenerator(deps.store, input.ganKey) : undefined;
        const result = await evaluateFold({
          train, test, trainSpeakers, augmentation: input.cell.augmentation, classifier: input.cell.classifierSpec, seed, generator,
          // Inner grouped k-fold splits from the protocol seed and the fold: the same for every cell and repeat.
          // A cell with a selection protocol always runs its inner CV: one that selects nothing is
          // validated over its single candidate (configs/experiment-plan.ts PlanOptions.validate).
          ...(input.cell.selection ? { selection: input.cell.selection, selectionSeed: deriveSeed(input.baseSeed, 'selection', fold.name), validate: true } : {}),
        });
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
