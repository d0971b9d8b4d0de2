/**
 * Augmentation by a trained augmenter: synthetic samples of each class come from a model fitted
 * on the rows being augmented (compute/fold-models), in the normalised feature space of the
 * fold's training part. The cycle-GAN's class generators (Shilandari et al. 2022: G_c(s) for
 * source vectors s) and the class-conditional Gaussian mixture (compute/gaussian-mixture) are
 * fitted elsewhere and handed in; this module only asks them for rows and appends them.
 */
import { InputError, NumericalError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import type { AmountSpec } from './amount';
import { additionsPerClass } from './amount';
import type { AugmentationResult } from './augmented-set';
import { appendRows, reportOf } from './augmented-set';
import type { ClassConditionalGenerator } from './class-conditional-generator';
import type { TrainedMethod } from './augmentation-spec';

/**
 * Class c gets `additionsPerClass(set, amount)[c]` rows from `generator`, drawn with
 * deriveSeed(seed, method, class name) (for the cycle-GAN: 'cyclegan', as always). Every class is
 * asked, even for 0 rows, so that a generator that lacks a class says so whatever the amount.
 */
export function trainedAugmentation(set: LabelledSet, amount: AmountSpec, generator: ClassConditionalGenerator, seed: number, method: TrainedMethod): AugmentationResult {
  const added = additionsPerClass(set, amount);
  const synthetic = added.map((n, c) => generator.generate(c, n, deriveSeed(seed, method, set.classes[c] ?? c)));
  synthetic.forEach((s, c) => checkGenerated(s, c, added[c] as number, set, method));
  const labels = synthetic.flatMap((s) => Array.from(s.y));
  const rows = synthetic.flatMap((s) => Array.from({ length: s.rows }, (_, i) => s.x.subarray(i * s.cols, (i + 1) * s.cols)));
  const out = appendRows(set, labels, (row, i) => row.set(rows[i] as Float32Array));
  return { set: out, report: reportOf(method, set, added, out.rows) };
}

/**
 * A generator's rows must fit the training set: they are appended after evaluateFold has checked
 * the real rows, and a NaN or a stray label would reach the classifier unnoticed.
 */
function checkGenerated(s: LabelledSet, classIndex: number, count: number, set: LabelledSet, method: string): void {
  const name = set.classes[classIndex];
  if (s.rows !== count || s.cols !== set.cols || s.x.length !== s.rows * s.cols || s.y.length !== s.rows || s.y.some((label) => label !== classIndex)) {
    throw new InputError({
      field: 'generator',
      reason: `the generator of class '${name}' returned rows that do not fit the training set (another number of rows, another feature dimension or other labels)`,
      fix: "generate with the models trained on this fold's features",
      expected: { rows: count, cols: set.cols, label: classIndex },
      actual: { rows: s.rows, cols: s.cols, values: s.x.length, labels: [...new Set(s.y)] },
    });
  }
  const bad = s.x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new NumericalError(`the ${method === 'cyclegan' ? 'cycle-GAN generator' : `${method} model`} of class '${name}' produced ${s.x[bad]} (synthetic row ${Math.floor(bad / s.cols)}, column ${bad % s.cols}): its training diverged`, { class: name });
  }
}
