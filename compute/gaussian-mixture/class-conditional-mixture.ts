/**
 * Class-conditional Gaussian mixtures: one mixture per class, fitted on that class's rows of a
 * training set only, and a generator of synthetic rows of any class. It satisfies
 * ClassConditionalGenerator (compute/augment/class-conditional-generator.ts), the seam through
 * which trained augmenters hand synthetic rows to augmentation, so it plugs in where the
 * cycle-GAN's trained generators do.
 *
 * Small classes: a class with fewer rows than `spec.components` is fitted with one component per
 * row (effectiveComponents); `componentsPerClass` records what each class got so the caller can
 * report it. A class with no rows gets no mixture, and asking it for rows is an InputError.
 * Seeds: class c's mixture is fitted from deriveSeed(seed, 'gmm', className), so adding a class
 * leaves the others' fits unchanged.
 */
import { InputError } from '../../foundation/errors';
import type { ClassConditionalGenerator } from '../augment/class-conditional-generator';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import type { GaussianMixture } from './gaussian-mixture';
import { effectiveComponents, fitGaussianMixture, sample } from './gaussian-mixture';
import type { GaussianMixtureSpec } from './gaussian-mixture-spec';

export interface ClassConditionalMixture extends ClassConditionalGenerator {
  /** The class names, in the order of the set it was fitted on (labels index them). */
  readonly classes: readonly string[];
  readonly cols: number;
  /** Per class its mixture, or null for a class without rows. Encode with encodeGaussianMixture. */
  readonly mixtures: readonly (GaussianMixture | null)[];
  /** Per class the components its mixture has (spec.components, lowered for small classes; 0 if empty). */
  readonly componentsPerClass: readonly number[];
}

/** Fits one mixture per class of `set` on that class's rows. */
export function fitClassConditionalMixture(set: LabelledSet, spec: GaussianMixtureSpec, seed: number): ClassConditionalMixture {
  const { cols, classes } = set;
  const byClass = classes.map(() => [] as number[]);
  set.y.forEach((label, i) => {
    const rows = byClass[label];
    if (!rows) throw new InputError({ field: 'set.y', reason: `row ${i} has label ${label}, outside the ${classes.length} classes`, fix: 'label rows with indices into set.classes' });
    rows.push(i);
  });
  const componentsPerClass = byClass.map((rows) => effectiveComponents(rows.length, spec.components));
  const mixtures = byClass.map((rows, c) => {
    if (rows.length === 0) return null;
    const x = new Float32Array(rows.length * cols);
    rows.forEach((r, i) => x.set(set.x.subarray(r * cols, (r + 1) * cols), i * cols));
    const options = { ...spec, components: componentsPerClass[c] as number };
    return fitGaussianMixture(x, rows.length, cols, options, deriveSeed(seed, 'gmm', classes[c] as string));
  });
  return {
    classes: [...classes],
    cols,
    mixtures,
    componentsPerClass,
    generate(classIndex: number, count: number, drawSeed: number): LabelledSet {
      if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < classes.length)) {
        throw new InputError({ field: 'classIndex', reason: `is ${classIndex}, not a class index of the ${classes.length} classes`, fix: 'pass an index into the classes the mixture was fitted on' });
      }
      const mixture = mixtures[classIndex];
      if (!mixture && count > 0) {
        throw new InputError({
          field: 'classIndex',
          reason: `class '${classes[classIndex]}' had no rows in the set the mixtures were fitted on, so it has no mixture to draw from`,
          fix: 'augment only classes present in the training set, or use a split where this class has rows',
        });
      }
      const x = mixture ? sample(mixture, count, drawSeed) : new Float32Array(0);
      return { rows: count, cols, x, y: new Int32Array(count).fill(classIndex), classes: [...classes] };
    },
  };
}
