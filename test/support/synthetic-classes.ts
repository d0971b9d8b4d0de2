/**
 * Synthetic labelled sets for classifier-mechanics tests: Gaussian clusters, one per class, with
 * class means `separation` apart along random directions. No files, no corpus.
 */
import type { ClassConditionalGenerator } from '../../compute/augment/class-conditional-generator';
import type { LabelledSet } from '../../compute/labelled-set';
import { Rng } from '../../compute/random';

export interface SyntheticOptions {
  perClass: number[];
  cols: number;
  separation?: number;
  seed?: number;
}

export function gaussianClasses({ perClass, cols, separation = 3, seed = 11 }: SyntheticOptions): LabelledSet {
  const rng = new Rng(seed);
  const means = perClass.map(() => Float32Array.from({ length: cols }, () => (separation * rng.normal()) / Math.sqrt(2)));
  const rows = perClass.reduce((a, b) => a + b, 0);
  const x = new Float32Array(rows * cols);
  const y = new Int32Array(rows);
  let r = 0;
  perClass.forEach((n, c) => {
    const mean = means[c] as Float32Array;
    for (let i = 0; i < n; i++, r++) {
      y[r] = c;
      for (let j = 0; j < cols; j++) x[r * cols + j] = (mean[j] as number) + rng.normal();
    }
  });
  return { rows, cols, x, y, classes: perClass.map((_, c) => `class${c}`) };
}

/** Splits a set into a train and test part, every `every`-th row going to test. */
export function splitEvery(set: LabelledSet, every: number): { train: LabelledSet; test: LabelledSet } {
  const pick = (keep: (i: number) => boolean): LabelledSet => {
    const rows = Array.from({ length: set.rows }, (_, i) => i).filter(keep);
    const x = new Float32Array(rows.length * set.cols);
    rows.forEach((r, i) => x.set(set.x.subarray(r * set.cols, (r + 1) * set.cols), i * set.cols));
    return { rows: rows.length, cols: set.cols, x, y: Int32Array.from(rows, (r) => set.y[r] as number), classes: [...set.classes] };
  };
  return { train: pick((i) => i % every !== 0), test: pick((i) => i % every === 0) };
}

/**
 * A stand-in for a fold's trained class GANs, seed-sensitive like them: each generated row is its
 * class's mean in `train` plus N(0, 0.5^2) noise drawn from `seed`.
 */
export function classMeanGenerator(train: LabelledSet): ClassConditionalGenerator {
  return {
    generate(classIndex, count, seed) {
      const rng = new Rng(seed);
      const members = Array.from({ length: train.rows }, (_, i) => i).filter((i) => train.y[i] === classIndex);
      const x = new Float32Array(count * train.cols);
      for (let r = 0; r < count; r++) {
        for (let j = 0; j < train.cols; j++) {
          const mean = members.reduce((a, i) => a + (train.x[i * train.cols + j] as number), 0) / members.length;
          x[r * train.cols + j] = mean + 0.5 * rng.normal();
        }
      }
      return { rows: count, cols: train.cols, x, y: new Int32Array(count).fill(classIndex), classes: [...train.classes] };
    },
  };
}
