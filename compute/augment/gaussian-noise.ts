/**
 * Noise augmentation: a real training sample of the class (drawn evenly) plus independent
 * Gaussian noise N(0, sigma^2) on every feature. Meant for normalised features (z-scores), where
 * one sigma means the same thing for every feature.
 */
import { InputError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { Rng } from '../random';
import type { AmountSpec } from './amount';
import { additionsPerClass } from './amount';
import type { AugmentationResult } from './augmented-set';
import { appendRows, evenSourcesPerClass, reportOf } from './augmented-set';

export function addGaussianNoise(set: LabelledSet, amount: AmountSpec, sigma: number, seed: number): AugmentationResult {
  if (!(Number.isFinite(sigma) && sigma >= 0)) {
    throw new InputError({ field: 'augmentation.sigma', reason: `is ${sigma}, not a finite number >= 0`, fix: 'give the noise standard deviation in units of the normalised features, e.g. 0.1' });
  }
  const rng = new Rng(seed);
  const added = additionsPerClass(set, amount);
  const { labels, sources } = evenSourcesPerClass(set, added, rng);
  const { cols } = set;
  const out = appendRows(set, labels, (row, i) => {
    const base = (sources[i] as number) * cols;
    for (let j = 0; j < cols; j++) row[j] = (set.x[base + j] as number) + sigma * rng.normal();
  });
  return { set: out, report: reportOf('noise', set, added, out.rows) };
}
