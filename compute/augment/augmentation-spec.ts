/**
 * Augmentation specs: what to add to the training part of a fold. The schemas are the types.
 * `amount` defaults to balancing every class to the largest one.
 */
import { z } from 'zod';
import { amountSpecSchema } from './amount';
import { SMOTE_DEFAULT_K } from './smote';

const amount = amountSpecSchema.default({ mode: 'balance' });

export const noAugmentationSchema = z.strictObject({ method: z.literal('none') });

export const duplicateSpecSchema = z.strictObject({ method: z.literal('duplicate'), amount });

export const noiseSpecSchema = z.strictObject({
  method: z.literal('noise'),
  amount,
  /** Standard deviation of the added noise, in units of the normalised (z-scored) features. */
  sigma: z.number().nonnegative().finite().default(0.1),
});

export const smoteSpecSchema = z.strictObject({
  method: z.literal('smote'),
  amount,
  /** Neighbours per sample; lowered automatically (with a warning) for classes with <= k samples. */
  k: z.number().int().positive().default(SMOTE_DEFAULT_K),
});

export const augmentationSpecSchema = z.discriminatedUnion('method', [
  noAugmentationSchema,
  duplicateSpecSchema,
  noiseSpecSchema,
  smoteSpecSchema,
  // CYCLEGAN: the per-class cycle-GAN variant goes here (its schema lives in compute/cyclegan/,
  // e.g. `cycleganSpecSchema` with method: z.literal('cyclegan')), together with a case in
  // applyAugmentation (compute/augment/apply-augmentation.ts).
]);
export type AugmentationSpec = z.infer<typeof augmentationSpecSchema>;
export type AugmentationSpecInput = z.input<typeof augmentationSpecSchema>;
