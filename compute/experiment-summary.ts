/**
 * From the evaluations of one cell (every fold x repeat) to the numbers a table reports: per
 * repeat, the confusion matrices of all folds are pooled and WA and UAR computed on the pool;
 * then mean and sample standard deviation over repeats. Per-fold UARs (mean over repeats) are
 * kept for paired tests between methods (compute/experiment-comparisons.ts). Also the shape of an
 * evaluation as the experiment records it, model selection included.
 */
import { metricsFromConfusion, sumConfusionMatrices, summariseRepeats, type ConfusionMatrix, type RepeatSummary } from './metrics';

export interface CellEvaluation {
  fold: string;
  repeat: number;
  wa: number;
  uar: number;
  confusion: ConfusionMatrix;
}

/**
 * What an evaluation that chose its hyperparameters inside the outer fold records: the chosen
 * values, their validation score and every candidate's (written by the model selection of the
 * evaluation; kept here as the shape the experiment's results carry to the report).
 */
export interface EvaluationSelection {
  /** The validation metric, e.g. 'uar'. */
  metric: string;
  /** Hyperparameter name -> chosen value. */
  chosen: Record<string, number>;
  /** The chosen candidate's validation score (a fraction). */
  validationScore: number;
  candidates: { values: Record<string, number>; score: number }[];
}

/**
 * One evaluation as an experiment records it (results.json on the parent run): its cell, scores,
 * what augmentation added, and what model selection chose and validated on, when it ran.
 */
export interface RecordedEvaluation extends CellEvaluation {
  cellId: string;
  addedPerClass?: Record<string, number>;
  selection?: EvaluationSelection;
  /** Real training rows held out before augmentation for validation (selection, early stopping). */
  validationRows?: number;
}

export interface CellSummary {
  wa: RepeatSummary;
  uar: RepeatSummary;
  /** Mean over repeats of each fold's UAR, by fold name. */
  foldUar: Record<string, number>;
  /** Pooled over folds and repeats. */
  confusion: ConfusionMatrix;
  evaluations: number;
}

export function summariseCell(evaluations: readonly CellEvaluation[]): CellSummary {
  if (evaluations.length === 0) throw new RangeError('summariseCell: no evaluations');
  const repeats = [...new Set(evaluations.map((e) => e.repeat))].sort((a, b) => a - b);
  const perRepeat = repeats.map((r) => metricsFromConfusion(sumConfusionMatrices(evaluations.filter((e) => e.repeat === r).map((e) => e.confusion))));
  const folds = [...new Set(evaluations.map((e) => e.fold))];
  const foldUar: Record<string, number> = {};
  for (const fold of folds) {
    const uars = evaluations.filter((e) => e.fold === fold).map((e) => e.uar);
    foldUar[fold] = uars.reduce((a, b) => a + b, 0) / uars.length;
  }
  return {
    wa: summariseRepeats(perRepeat.map((m) => m.wa)),
    uar: summariseRepeats(perRepeat.map((m) => m.uar)),
    foldUar,
    confusion: sumConfusionMatrices(evaluations.map((e) => e.confusion)),
    evaluations: evaluations.length,
  };
}

/** One line of an experiment's result table: a cell's mean and std of WA and UAR over repeats. */
export interface SummaryRow {
  cellId: string;
  method: string;
  amount: string;
  classifier: string;
  wa: { mean: number; std: number | null };
  uar: { mean: number; std: number | null };
  foldUar: Record<string, number>;
}

/** The result table as markdown (printed by the CLI, stored on the parent run as table.md). */
export function renderSummaryTable(rows: readonly SummaryRow[]): string {
  const pct = (s: { mean: number; std: number | null }) => `${(100 * s.mean).toFixed(2)} ± ${s.std === null ? '-' : (100 * s.std).toFixed(2)}`;
  const lines = ['| method | amount | classifier | WA % | UAR % |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.method} | ${r.amount} | ${r.classifier} | ${pct(r.wa)} | ${pct(r.uar)} |`);
  return lines.join('\n') + '\n';
}
