/**
 * Re-standardisation inside an inner split: z-normalisation fitted on the inner training rows and
 * applied to inner training rows, inner validation rows and generated rows alike.
 *
 * The outer sets arrive z-normalised on the outer training rows; standardisation is affine, so
 * standardising them again on the inner training rows equals standardising the raw features on
 * those rows (up to float32 rounding): what scikit-learn's Pipeline(StandardScaler(), SVC())
 * inside GridSearchCV does. Without it the inner validation speakers' statistics would shape the
 * features the candidates are scored on.
 */
import type { ClassConditionalGenerator } from '../augment/class-conditional-generator';
import type { LabelledSet } from '../labelled-set';
import { applyRowStandardisation, applyZNormalisation, fitRowStandardisation, type RowLayout, type ZNormalisation } from '../normalise';

export function fitInnerStandardisation(real: LabelledSet, trainRows: readonly number[]): ZNormalisation {
  return fitRowStandardisation(real.x, layoutOf(real), trainRows);
}

function layoutOf(set: LabelledSet): RowLayout {
  return { cols: set.cols, ...(set.sequence ? { sequence: set.sequence } : {}) };
}

/** The given rows of `real`, standardised with `z`. */
export function standardisedRows(z: ZNormalisation, real: LabelledSet, rows: readonly number[]): LabelledSet {
  return {
    rows: rows.length, cols: real.cols, x: applyRowStandardisation(z, real.x, layoutOf(real), rows), y: Int32Array.from(rows, (r) => real.y[r] as number), classes: [...real.classes],
    ...(real.sequence ? { sequence: { ...real.sequence, lengths: Int32Array.from(rows, (r) => real.sequence?.lengths[r] as number) } } : {}),
  };
}

/**
 * The fold's class GANs, generating into the inner split's feature space: the same rows they
 * generate for the outer fold, put through the inner standardisation like the real rows.
 */
export function standardisedGenerator(generator: ClassConditionalGenerator, z: ZNormalisation): ClassConditionalGenerator {
  return {
    generate(classIndex, count, seed) {
      const out = generator.generate(classIndex, count, seed);
      // Rows of another dimension are left as they are: the augmentation's own check names them.
      if (out.cols !== z.mean.length || out.x.length !== out.rows * out.cols) return out;
      return { ...out, x: applyZNormalisation(z, out.x, out.cols) };
    },
  };
}
