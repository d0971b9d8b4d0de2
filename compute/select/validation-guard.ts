/**
 * The guard of model selection's one promise: a candidate is scored only on REAL training rows
 * of the inner split's validation speakers, all of them, standardised like the inner training
 * rows, and nothing else (no synthetic row, no copy, no row of an inner training speaker). It is
 * checked on every inner split right before scoring, so a change that lets augmentation or
 * another speaker into the validation rows fails loudly instead of inflating validation scores.
 */
import type { LabelledSet } from '../labelled-set';
import { applyZNormalisation, type ZNormalisation } from '../normalise';
import type { InnerSplit } from './inner-splits';

/** A broken selection protocol: a bug, not bad input. */
export class ValidationLeakError extends Error {
  override readonly name = 'ValidationLeakError';
  constructor(split: string, reason: string) {
    super(`model selection, inner split ${split}: ${reason}. The inner validation rows must be exactly the real training rows of the split's validation speakers`);
  }
}

export interface ValidationCheck {
  split: InnerSplit;
  /** The outer fold's real training rows and the speaker of each. */
  real: LabelledSet;
  speakers: readonly string[];
  /** The inner split's standardisation (fitted on its training rows). */
  standardisation: ZNormalisation;
  /** The set about to be scored. */
  validation: LabelledSet;
}

export function assertRealValidationRows({ split, real, speakers, standardisation, validation }: ValidationCheck): void {
  const fail = (reason: string): never => {
    throw new ValidationLeakError(split.name, reason);
  };
  const validationSpeakers = new Set(split.validationSpeakers);
  if (validationSpeakers.size === 0) fail('no validation speaker');
  const trainRows = new Set(split.trainRows);
  const seen = new Set<number>();
  for (const r of split.validationRows) {
    if (!Number.isInteger(r) || r < 0 || r >= real.rows) fail(`validation row ${r} is not a real training row (${real.rows} rows)`);
    if (seen.has(r)) fail(`real row ${r} is validated twice`);
    seen.add(r);
    if (trainRows.has(r)) fail(`real row ${r} is both fitted and validated`);
    if (!validationSpeakers.has(speakers[r] as string)) fail(`real row ${r} of speaker ${speakers[r]} is validated, and is not one of the validation speakers ${[...validationSpeakers].join(', ')}`);
  }
  for (const r of split.trainRows) {
    if (validationSpeakers.has(speakers[r] as string)) fail(`real row ${r} of validation speaker ${speakers[r]} is fitted`);
  }
  const expectedRows = speakers.filter((s) => validationSpeakers.has(s)).length;
  if (split.validationRows.length !== expectedRows) fail(`${split.validationRows.length} rows are validated, and the validation speakers have ${expectedRows}`);
  if (validation.rows !== split.validationRows.length || validation.y.length !== validation.rows || validation.x.length !== validation.rows * real.cols || validation.cols !== real.cols) {
    fail(`the scored set has ${validation.rows} rows (${validation.x.length} values), and the validation speakers have ${split.validationRows.length} real rows`);
  }
  const expected = applyZNormalisation(standardisation, real.x, real.cols, split.validationRows);
  split.validationRows.forEach((r, i) => {
    if (validation.y[i] !== real.y[r]) fail(`scored row ${i} has label ${validation.y[i]}, real row ${r} has ${real.y[r]}`);
    for (let j = 0; j < real.cols; j++) {
      const k = i * real.cols + j;
      if (!Object.is(validation.x[k], expected[k])) fail(`scored row ${i} is not real row ${r} (column ${j}: ${validation.x[k]} vs ${expected[k]})`);
    }
  });
}
