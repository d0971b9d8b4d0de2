/**
 * Augmentation specs: what to add to the training part of a fold. The schemas are the types.
 * `amount` defaults to balancing every class to the largest one.
 */
import { z } from 'zod';
import type { ShapeKind } from '../features/feature-shape';
import { GAN_LOSSES } from '../../foundation/gan-loss';
import { isFittedMethod } from '../fold-models/fitted-kinds';
import { gaussianMixtureSpecSchema } from '../gaussian-mixture/gaussian-mixture-spec';
import { amountSpecSchema } from './amount';
import { SMOTE_DEFAULT_K } from './smote';

const amount = amountSpecSchema.default({ mode: 'balance' });

export const noAugmentationSchema = z.strictObject({ method: z.literal('none') });

export const duplicateSpecSchema = z.strictObject({ method: z.literal('duplicate'), amount });

export const noiseSpecSchema = z.strictObject({
  method: z.literal('noise'),
  amount,
  /** Standard deviation of the added noise, in units of the normalised (z-scored) features. */
  sigma: z.number().nonnegative().finite().max(100).default(0.1),
});

export const smoteSpecSchema = z.strictObject({
  method: z.literal('smote'),
  amount,
  /** Neighbours per sample; lowered automatically (with a warning) for classes with <= k samples. */
  k: z.number().int().positive().max(100).default(SMOTE_DEFAULT_K),
});

export const cycleganSpecSchema = z.strictObject({
  method: z.literal('cyclegan'),
  /**
   * The adversarial loss the class GANs were trained with. It picks which of a fold's GANs
   * generate (the caller hands in that one) and names the method; generation itself ignores it.
   */
  loss: z.enum(GAN_LOSSES),
  amount,
});

/**
 * Class-conditional Gaussian mixtures (compute/gaussian-mixture): per class, a mixture fitted by
 * EM on the class's rows of the rows being augmented, sampled. A trained augmenter like the
 * cycle-GAN, and a baseline for it: a density model of each class with no adversarial training.
 */
export const gmmSpecSchema = gaussianMixtureSpecSchema.extend({ method: z.literal('gmm'), amount });

export const augmentationSpecSchema = z.discriminatedUnion('method', [
  noAugmentationSchema,
  duplicateSpecSchema,
  noiseSpecSchema,
  smoteSpecSchema,
  cycleganSpecSchema,
  gmmSpecSchema,
]);
export type AugmentationSpec = z.infer<typeof augmentationSpecSchema>;
export type AugmentationSpecInput = z.input<typeof augmentationSpecSchema>;
export type AugmentationMethod = AugmentationSpec['method'];

/** Every augmentation method, read off the union above: the config's `methods` list follows it. */
export const AUGMENTATION_METHODS = augmentationSpecSchema.options.map((o) => o.shape.method.value) as [AugmentationMethod, ...AugmentationMethod[]];

/**
 * The shapes of rows each method can augment (compute/features/feature-shape.ts). Every method but
 * 'none' makes or moves feature vectors (noise and SMOTE per column, the trained augmenters in
 * the vector space they were fitted in); the experiment schema refuses them on sequences.
 */
export function shapesAugmentedBy(method: AugmentationMethod): readonly ShapeKind[] {
  return method === 'none' ? ['vector', 'sequence'] : ['vector'];
}

/**
 * Whether a method augments with a model fitted on the training rows (compute/fold-models): such
 * a method gets the model fitted on exactly the rows it augments.
 */
export function needsTrainedAugmenter(spec: Pick<AugmentationSpecInput, 'method'>): boolean {
  return spec.method === 'cyclegan' || isFittedMethod(spec.method);
}

/** The methods that augment with a trained model: the cycle-GAN, and every fitted kind. */
export type TrainedMethod = Exclude<AugmentationMethod, 'none' | 'duplicate' | 'noise' | 'smote'>;

/**
 * Each method's own parameters as an experiment config block (`noise: { sigma }`,
 * `smote: { k }`): its spec without `method` and `amount`, defaults filled in. A block is
 * shared by every amount of its method, and a sweep addresses it by a dotted path
 * (`noise.sigma`). Methods without parameters have no block; cycle-GAN's parameters are the GAN
 * training spec (the config's `gan` block, compute/cyclegan/gan-spec.ts).
 */
export const augmentationOptionBlocks = {
  noise: noiseSpecSchema.pick({ sigma: true }).prefault({}),
  smote: smoteSpecSchema.pick({ k: true }).prefault({}),
  gmm: gaussianMixtureSpecSchema.prefault({}),
};
