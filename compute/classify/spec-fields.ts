/**
 * Fields shared by the classifiers' spec schemas (compute/classify/*-spec.ts and
 * classifier-spec.ts): early stopping, and numeric hyperparameters that a config may give as a
 * set to select from. Apart from classifier-spec.ts, which gathers every classifier's schema, so
 * that a classifier's own spec module can use them without an import cycle.
 */
import { z } from 'zod';

/** Values in one `select` set at most: every value is fitted once per inner split. */
export const MAX_SELECT_VALUES = 50;

export const earlyStoppingSchema = z.strictObject({
  /**
   * Fraction of the real training rows held out to watch the loss: whole speakers, about this
   * fraction of the rows, taken before augmentation (compute/evaluate/train-on-real-rows.ts).
   * A DNN fitted directly without a validation set holds out this fraction of its own training
   * set instead, stratified per class. Never the test set.
   */
  validationFraction: z.number().gt(0).lt(0.5).default(0.1),
  /** Epochs without a better validation score (the DNN: loss; the ACRNN: UAR) before training stops; the best weights are restored. */
  patience: z.number().int().positive().default(10),
});
export type EarlyStoppingSpec = z.infer<typeof earlyStoppingSchema>;

/** A set of values to select from, as a config writes it. */
export interface SelectSet {
  select: number[];
}

/**
 * A numeric field that may also be `{ select: [values] }`: the field's own schema (and default)
 * for one value and for every value of the set, so `C: { select: [0] }` fails as `C: 0` does.
 */
export function selectable(field: z.ZodDefault<z.ZodNumber>) {
  const one = field.unwrap();
  return z
    .union([one, z.strictObject({ select: z.array(one).min(1).max(MAX_SELECT_VALUES) })], { error: 'expected a number or { select: [numbers] }' })
    .default(field.def.defaultValue);
}

export function isSelectSet(value: unknown): value is SelectSet {
  return typeof value === 'object' && value !== null && Array.isArray((value as Partial<SelectSet>).select);
}
