/**
 * The result every augmentation returns, and the bookkeeping they share: the training set with
 * synthetic rows appended after the real ones, and a report of what was added.
 */
import type { LabelledSet } from '../labelled-set';
import type { Rng } from '../random';

export interface AugmentationReport {
  method: string;
  /** Synthetic rows added, by class name. */
  addedPerClass: Record<string, number>;
  /** Rows before and after. */
  rowsBefore: number;
  rowsAfter: number;
  /** Automatic adjustments made (e.g. SMOTE's k lowered for a small class). */
  warnings: string[];
}

export interface AugmentationResult {
  set: LabelledSet;
  report: AugmentationReport;
}

/** Row indices of each class. */
export function rowsByClass(set: LabelledSet): number[][] {
  const rows = set.classes.map(() => [] as number[]);
  set.y.forEach((label, i) => (rows[label] as number[]).push(i));
  return rows;
}

/**
 * Draws source rows of one class evenly: a shuffled pass over the class, then another, so every
 * real sample is used as often as any other (+-1) rather than some many times by chance.
 */
export function evenDraws(rows: readonly number[], count: number, rng: Rng): number[] {
  const out: number[] = [];
  while (out.length < count) out.push(...rng.shuffle([...rows]).slice(0, count - out.length));
  return out;
}

/**
 * The real rows new samples are made from: `added[c]` rows of class c, drawn evenly
 * (evenDraws), class by class. Returns each new row's class and source row.
 */
export function evenSourcesPerClass(set: LabelledSet, added: readonly number[], rng: Rng): { labels: number[]; sources: number[] } {
  const byClass = rowsByClass(set);
  const labels: number[] = [];
  const sources: number[] = [];
  added.forEach((n, c) => {
    for (const r of evenDraws(byClass[c] as number[], n, rng)) {
      labels.push(c);
      sources.push(r);
    }
  });
  return { labels, sources };
}

/** Appends rows (class per row, values written by `fill`) to a copy of `set`. */
export function appendRows(
  set: LabelledSet,
  labels: readonly number[],
  fill: (row: Float32Array, index: number) => void,
): LabelledSet {
  const { cols } = set;
  const rows = set.rows + labels.length;
  const x = new Float32Array(rows * cols);
  x.set(set.x);
  const y = new Int32Array(rows);
  y.set(set.y);
  labels.forEach((label, i) => {
    y[set.rows + i] = label;
    fill(x.subarray((set.rows + i) * cols, (set.rows + i + 1) * cols), i);
  });
  return { rows, cols, x, y, classes: [...set.classes] };
}

export function reportOf(method: string, set: LabelledSet, added: readonly number[], rowsAfter: number, warnings: string[] = []): AugmentationReport {
  const addedPerClass: Record<string, number> = {};
  set.classes.forEach((name, c) => (addedPerClass[name] = added[c] ?? 0));
  return { method, addedPerClass, rowsBefore: set.rows, rowsAfter, warnings };
}
