/**
 * One evaluation: a fold's training part (z-normalised on itself), augmented as the cell says,
 * a classifier fitted and scored on the fold's test part. Memoised by its inputs; logged to the
 * cell's MLflow run as metrics named by fold and repeat, and the confusion matrix as an artifact.
 * A thin adapter: it loads the references (fold sets, the fold's GANs), and compute/evaluate.ts
 * does the rest for every method alike.
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
  trainRows: number;
  testRows: number;
  warnings: string[];
  memoHit: boolean;
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
        const { fold, train, test } = await loadFoldSets(deps.store, input);
        // The same seed for every cell of a (fold, repeat): methods are compared on equal
        // classifier initialisations and batch orders (common random numbers).
        const seed = deriveSeed(input.baseSeed, 'evaluation', fold.name, input.repeat);
        Context.current().heartbeat();
        const generator = input.ganKey ? await loadGenerator(deps.store, input.ganKey) : undefined;
        const result = await evaluateFold({ train, test, augmentation: input.cell.augmentation, classifier: input.cell.classifierSpec, seed, generator });
        return {
          fold: fold.name, repeat: input.repeat, wa: result.metrics.wa, uar: result.metrics.uar, confusion: result.confusion,
          addedPerClass: result.augmentation.addedPerClass, trainRows: result.trainRows, testRows: result.testRows, warnings: result.augmentation.warnings,
        };
      });
      const r = memo.value;
      const prefix = `fold_${r.fold}/r${input.repeat}`;
      await deps.runs.logMetricsOnce(runId, [
        { key: `${prefix}/wa`, value: r.wa, step: 0 },
        { key: `${prefix}/uar`, value: r.uar, step: 0 },
      ]);
      const run = await deps.mlflow.getRun(runId);
      await deps.runs.logArtifact(run, `confusion/${r.fold}_r${input.repeat}.json`, Buffer.from(JSON.stringify({ classes: input.classes, confusion: r.confusion, addedPerClass: r.addedPerClass })));
      if (memo.memoHit) deps.logger.info({ cell: input.cell.id, fold: r.fold, repeat: input.repeat }, 'evaluation reused from the memo');
      return { ...r, memoHit: memo.memoHit };
    });
  }
}
