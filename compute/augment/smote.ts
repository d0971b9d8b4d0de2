/**
 * SMOTE (Chawla et al. 2002): a synthetic sample is a random point on the segment between a real
 * sample and one of its k nearest neighbours (Euclidean) of the same class:
 * x = a + u (b - a), u ~ U[0, 1). Base samples are drawn evenly (see evenDraws).
 *
 * Small classes: a class that must grow but has fewer than k + 1 samples gets k = n - 1 (all its
 * other samples are neighbours), with a warning in the report; a class with fewer than 2 samples
 * has no segment to sample from and is an InputError.
 */
import { InputError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { Rng } from '../random';
import type { AmountSpec } from './amount';
import { additionsPerClass } from './amount';
import type { AugmentationResult } from './augmented-set';
import { appendRows, evenDraws, reportOf, rowsByClass } from './augmented-set';

export const SMOTE_DEFAULT_K = 5;

export function smote(set: LabelledSet, amount: AmountSpec, k: number, seed: number): AugmentationResult {
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new InputError({ field: 'augmentation.k', reason: `is ${k}, not an integer >= 1`, fix: `use the default ${SMOTE_DEFAULT_K}` });
  }
  const rng = new Rng(seed);
  const added = additionsPerClass(set, amount);
  const byClass = rowsByClass(set);
  const { cols } = set;
  const warnings: string[] = [];
  const pairs: { a: number; b: number; u: number }[] = [];
  const labels: number[] = [];
  added.forEach((n, c) => {
    if (n === 0) return;
    const rows = byClass[c] as number[];
    const name = set.classes[c];
    if (rows.length < 2) {
      throw new InputError({
        field: 'augmentation.k',
        reason: `SMOTE needs at least 2 samples of class '${name}' to interpolate, the training set has ${rows.length}`,
        fix: 'use duplicate or noise augmentation for this data, or a split with more samples of the class',
      });
    }
    let kc = k;
    if (rows.length < k + 1) {
      kc = rows.length - 1;
      warnings.push(`SMOTE: class '${name}' has ${rows.length} samples, fewer than k + 1 = ${k + 1}; used k = ${kc}`);
    }
    const neighbours = nearestNeighbours(set.x, cols, rows, kc);
    const local = new Map(rows.map((r, i) => [r, i]));
    for (const a of evenDraws(rows, n, rng)) {
      const list = neighbours[local.get(a) as number] as number[];
      const b = list[rng.int(list.length)] as number;
      pairs.push({ a, b, u: rng.next() });
      labels.push(c);
    }
  });
  const out = appendRows(set, labels, (row, i) => {
    const { a, b, u } = pairs[i] as { a: number; b: number; u: number };
    for (let j = 0; j < cols; j++) {
      const xa = set.x[a * cols + j] as number;
      row[j] = xa + u * ((set.x[b * cols + j] as number) - xa);
    }
  });
  return { set: out, report: reportOf('smote', set, added, out.rows, warnings) };
}

/** For each row in `rows`, the k nearest other rows of `rows` (ties to the lower row index). */
function nearestNeighbours(x: Float32Array, cols: number, rows: readonly number[], k: number): number[][] {
  const n = rows.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ai = (rows[i] as number) * cols;
    for (let j = i + 1; j < n; j++) {
      const bj = (rows[j] as number) * cols;
      let s = 0;
      for (let f = 0; f < cols; f++) {
        const diff = (x[ai + f] as number) - (x[bj + f] as number);
        s += diff * diff;
      }
      d[i * n + j] = s;
      d[j * n + i] = s;
    }
  }
  return rows.map((_, i) => {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    others.sort((p, q) => (d[i * n + p] as number) - (d[i * n + q] as number) || (rows[p] as number) - (rows[q] as number));
    return others.slice(0, k).map((j) => rows[j] as number);
  });
}
