/**
 * How many synthetic samples each class gets. Three ways to say it:
 * - `balance`: every class is topped up to the size of the largest class;
 * - `perClass`: the same number `n` added to every class;
 * - `ratio`: `ratio` x (training set size) samples in total, shared between classes in proportion
 *   to their sizes (largest remainders), so the class distribution stays what it was. This is the
 *   "gradually added" axis of the paper's figures 5-9.
 * Amounts are validated here as well as in the schema, because library callers bypass the schema.
 */
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';

/** More than this many added samples per training sample is taken for a mistake, not an experiment. */
export const MAX_ADDED_PER_TRAINING_SAMPLE = 100;

export const amountSpecSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('balance') }),
  z.strictObject({ mode: z.literal('perClass'), n: z.number().int().nonnegative() }),
  z.strictObject({ mode: z.literal('ratio'), ratio: z.number().nonnegative().finite() }),
]);
export type AmountSpec = z.infer<typeof amountSpecSchema>;

/** The paper's "gradually added" curve: 0, 25 %, 50 %, 100 %, 200 % of the training set. */
export const DEFAULT_RATIO_SCHEDULE: readonly number[] = [0, 0.25, 0.5, 1, 2];

export function classCounts(set: LabelledSet): number[] {
  const counts = new Array<number>(set.classes.length).fill(0);
  for (const label of set.y) counts[label] = (counts[label] as number) + 1;
  return counts;
}

/** Samples to add per class index. Throws InputError naming the field for a bad amount. */
export function additionsPerClass(set: LabelledSet, amount: AmountSpec, field = 'augmentation.amount'): number[] {
  const counts = classCounts(set);
  let added: number[];
  switch (amount.mode) {
    case 'balance': {
      const largest = Math.max(0, ...counts);
      added = counts.map((c) => (c > 0 ? largest - c : 0));
      break;
    }
    case 'perClass':
      checkAmount(amount.n, `${field}.n`, true);
      added = counts.map((c) => (c > 0 ? amount.n : 0));
      break;
    case 'ratio': {
      checkAmount(amount.ratio, `${field}.ratio`, false);
      added = proportionalShares(counts, Math.round(amount.ratio * set.rows));
      break;
    }
  }
  const total = added.reduce((a, b) => a + b, 0);
  if (total > MAX_ADDED_PER_TRAINING_SAMPLE * Math.max(1, set.rows)) {
    throw new InputError({
      field,
      reason: `asks for ${total} synthetic samples on a training set of ${set.rows}, more than ${MAX_ADDED_PER_TRAINING_SAMPLE}x`,
      fix: 'use a smaller amount (a ratio of the training set such as 0.5, or n per class)',
      expected: `<= ${MAX_ADDED_PER_TRAINING_SAMPLE * set.rows}`,
      actual: total,
    });
  }
  return added;
}

/** A schedule of amounts for a "gradually added" curve, validated as a whole. */
export function ratioSchedule(ratios: readonly number[] = DEFAULT_RATIO_SCHEDULE, field = 'augmentation.schedule'): AmountSpec[] {
  return ratios.map((ratio, i) => {
    checkAmount(ratio, `${field}[${i}]`, false);
    if (ratio > MAX_ADDED_PER_TRAINING_SAMPLE) {
      throw new InputError({ field: `${field}[${i}]`, reason: `ratio ${ratio} is more than ${MAX_ADDED_PER_TRAINING_SAMPLE}x the training set`, fix: 'use ratios such as 0, 0.25, 0.5, 1, 2' });
    }
    return { mode: 'ratio', ratio };
  });
}

function checkAmount(value: number, field: string, integer: boolean): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new InputError({
      field,
      reason: `is ${value}, not a ${integer ? 'non-negative integer' : 'non-negative finite number'}`,
      fix: 'give a count or ratio >= 0',
      expected: integer ? 'integer >= 0' : 'number >= 0',
      actual: String(value),
    });
  }
}

/** Splits `total` over classes in proportion to `counts` (largest remainder; ties to the lower index). */
function proportionalShares(counts: readonly number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c / sum) * total);
  const shares = exact.map((e) => Math.floor(e));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    shares[i] = (shares[i] as number) + 1;
    left--;
  }
  return shares;
}

/** An amount's name in cell ids and reports: "balance", "ratio-0.5", "per-class-20". */
export function amountLabel(amount: AmountSpec): string {
  switch (amount.mode) {
    case 'balance':
      return 'balance';
    case 'ratio':
      return `ratio-${amount.ratio}`;
    case 'perClass':
      return `per-class-${amount.n}`;
  }
}
