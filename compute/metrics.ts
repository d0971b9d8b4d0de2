/**
 * Classification metrics: confusion matrix, WA, UAR, per-class recall / precision / F1, per fold
 * and pooled over folds, and mean / sample standard deviation over repeats.
 *
 * Conventions (stated because the paper's claims are differences of a point or two):
 * - Confusion matrix rows are true classes, columns predicted classes.
 * - WA (weighted accuracy) = correct / total.
 * - UAR = mean recall over the classes PRESENT in the evaluated test labels (support > 0). A
 *   leave-one-speaker-out fold can lack a class; averaging a 0/0 recall in would be arbitrary, so
 *   the class is left out of that fold's UAR and its recall is `null`. Pooled metrics sum the
 *   folds' confusion matrices first, so on a complete LOSO every class is present and pooled UAR
 *   is the mean over all classes. `classesAbsent` lists what was left out.
 * - Precision of a class never predicted is 0 when the class is present and `null` when it is
 *   also absent; F1 is 0 when precision + recall is 0, `null` when recall is `null`.
 */
export interface ClassMetrics {
  recall: (number | null)[];
  precision: (number | null)[];
  f1: (number | null)[];
  /** True rows per class. */
  support: number[];
}

export interface MetricsSummary extends ClassMetrics {
  wa: number;
  uar: number;
  /** Class indices left out of UAR because no test row had them. */
  classesAbsent: number[];
  total: number;
}

/** counts[t][p] = rows of true class t predicted as p. */
export type ConfusionMatrix = number[][];

export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): ConfusionMatrix {
  if (truth.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    if (!(t >= 0 && t < nClasses && p >= 0 && p < nClasses) || !Number.isInteger(t) || !Number.isInteger(p)) {
      throw new RangeError(`confusionMatrix: label out of range at row ${i} (true ${t}, predicted ${p}, ${nClasses} classes)`);
    }
    (m[t] as number[])[p] = ((m[t] as number[])[p] as number) + 1;
  }
  return m;
}

export function sumConfusionMatrices(matrices: readonly ConfusionMatrix[]): ConfusionMatrix {
  const first = matrices[0];
  if (!first) throw new RangeError('sumConfusionMatrices: no matrices');
  const k = first.length;
  const sum = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const m of matrices) {
    if (m.length !== k) throw new RangeError(`sumConfusionMatrices: ${m.length} classes, expected ${k}`);
    for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) (sum[t] as number[])[p] = cell(sum, t, p) + cell(m, t, p);
  }
  return sum;
}

export function metricsFromConfusion(m: ConfusionMatrix): MetricsSummary {
  const k = m.length;
  const support = Array.from({ length: k }, (_, t) => rowSum(m, t));
  const predictedCount = Array.from({ length: k }, (_, p) => {
    let s = 0;
    for (let t = 0; t < k; t++) s += cell(m, t, p);
    return s;
  });
  const total = support.reduce((a, b) => a + b, 0);
  if (total === 0) throw new RangeError('metricsFromConfusion: empty confusion matrix');
  let correct = 0;
  for (let c = 0; c < k; c++) correct += cell(m, c, c);

  const recall: (number | null)[] = [];
  const precision: (number | null)[] = [];
  const f1: (number | null)[] = [];
  const classesAbsent: number[] = [];
  for (let c = 0; c < k; c++) {
    const tp = cell(m, c, c);
    const sup = support[c] as number;
    const pred = predictedCount[c] as number;
    const r = sup > 0 ? tp / sup : null;
    if (r === null) classesAbsent.push(c);
    const p = pred > 0 ? tp / pred : sup > 0 ? 0 : null;
    recall.push(r);
    precision.push(p);
    f1.push(r === null || p === null ? null : r + p === 0 ? 0 : (2 * p * r) / (p + r));
  }
  const present = recall.filter((r): r is number => r !== null);
  const uar = present.reduce((a, b) => a + b, 0) / present.length;
  return { wa: correct / total, uar, recall, precision, f1, support, classesAbsent, total };
}

export interface RepeatSummary {
  mean: number;
  /** Sample standard deviation (n - 1); null with fewer than two values. */
  std: number | null;
  min: number;
  max: number;
  n: number;
}

/** Mean and sample standard deviation over repeats. */
export function summariseRepeats(values: readonly number[]): RepeatSummary {
  const n = values.length;
  if (n === 0) throw new RangeError('summariseRepeats: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('summariseRepeats: non-finite value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { mean, std, min: Math.min(...values), max: Math.max(...values), n };
}

function cell(m: ConfusionMatrix, t: number, p: number): number {
  return (m[t] as number[])[p] as number;
}

function rowSum(m: ConfusionMatrix, t: number): number {
  return (m[t] as number[]).reduce((a, b) => a + b, 0);
}
