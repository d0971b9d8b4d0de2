/**
 * One entry point for every augmentation: takes the TRAINING part of a fold (never the test part)
 * and returns it with synthetic rows appended, plus a report. Which random stream each method
 * draws from the evaluation's seed is decided here, once.
 */
import { InputError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import type { AugmentationSpec } from './augmentation-spec';
import type { AugmentationResult } from './augmented-set';
import { reportOf } from './augmented-set';
import type { ClassConditionalGenerator } from './class-conditional-generator';
import { trainedAugmentation } from './trained-augmentation';
import { duplicateSamples } from './duplicate';
import { addGaussianNoise } from './gaussian-noise';
import { smote } from './smote';

export interface AugmentationOptions {
  /** The model fitted on the rows to augment (compute/fold-models); required by 'cyclegan' and 'gmm', unused otherwise. */
  generator?: ClassConditionalGenerator;
}

/**
 * `seed` is the evaluation's seed. The sampling methods (duplicate, noise, SMOTE) draw from
 * deriveSeed(seed, 'augmentation'); cycle-GAN draws per class from deriveSeed(seed, 'cyclegan',
 * class name), straight from the evaluation seed, as it did before it was an augmentation like
 * the others: changing either stream would change every recorded result. The Gaussian mixture
 * draws likewise from deriveSeed(seed, 'gmm', class name).
 */
export function applyAugmentation(train: LabelledSet, spec: AugmentationSpec, seed: number, options: AugmentationOptions = {}): AugmentationResult {
  switch (spec.method) {
    case 'none':
      return { set: train, report: reportOf('none', train, [], train.rows) };
    case 'duplicate':
      return duplicateSamples(train, spec.amount, deriveSeed(seed, 'augmentation'));
    case 'noise':
      return addGaussianNoise(train, spec.amount, spec.sigma, deriveSeed(seed, 'augmentation'));
    case 'smote':
      return smote(train, spec.amount, spec.k, deriveSeed(seed, 'augmentation'));
    default:
      // Every trained augmenter (the cycle-GAN, the fitted kinds of compute/fold-models/fitted-kinds.ts).
      if (!options.generator) {
        throw new InputError({
          field: 'generator',
          reason: `a ${spec.method} augmentation${spec.method === 'cyclegan' ? ` (loss ${spec.loss})` : ''} needs the model fitted on the rows it augments, and none was given`,
          fix: "train the fold's models first (configs/fold-model-plan.ts) and pass the generator fitted on these rows, or choose another method",
        });
      }
      return trainedAugmentation(train, spec.amount, options.generator, seed, spec.method);
  }
}
