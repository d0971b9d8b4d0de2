/**
 * The candidates of a model selection: the cartesian product of every `{ select: [...] }` set
 * of a search spec, each as its values and the concrete spec it fits.
 *
 * Order, which decides ties (the first best candidate wins, as in GridSearchCV): scikit-learn's
 * ParameterGrid order, parameters sorted by name, the last one varying fastest, and each set's
 * values in the order written. With one selected parameter it is simply the order written.
 */
import { InputError } from '../../foundation/errors';
import { classifierSpecSchema, isSelectSet, selectedFields } from '../classify/classifier-spec';
import type { ClassifierSearchSpec, ClassifierSpec } from '../classify/classifier-spec';

/** Candidates at most: each one is fitted once per inner split of every outer fold and repeat. */
export const MAX_CANDIDATES = 1000;

export interface Candidate {
  /** The selected parameters' values (empty when nothing is selected). */
  values: Record<string, number>;
  spec: ClassifierSpec;
}

export function candidateGrid(search: ClassifierSearchSpec): Candidate[] {
  const fields = selectedFields(search);
  const sets = fields.map((f) => {
    const v: unknown = (search as Record<string, unknown>)[f];
    return isSelectSet(v) ? v.select : [];
  });
  const size = sets.reduce((n, s) => n * s.length, 1);
  if (size > MAX_CANDIDATES) {
    throw new InputError({
      field: `classifier.${fields.join('/')}`,
      reason: `the select sets make ${size} candidates, more than ${MAX_CANDIDATES}`,
      fix: 'select fewer values (each candidate is fitted on every inner split of every outer fold)',
    });
  }
  const grid: Record<string, number>[] = [{}];
  fields.forEach((field, i) => {
    const values = sets[i] as number[];
    // Extends every partial candidate by each value: the later the field, the faster it varies.
    grid.splice(0, grid.length, ...grid.flatMap((partial) => values.map((v) => ({ ...partial, [field]: v }))));
  });
  return grid.map((values) => ({ values, spec: classifierSpecSchema.parse({ ...search, ...values }) }));
}
