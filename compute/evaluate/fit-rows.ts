/**
 * Step 1 of training on real rows (train-on-real-rows.ts), alone and free of the classifiers:
 * which real rows stay to be augmented and fitted, and which whole speakers are held out for
 * early stopping. Also what the plan of a fold's trained augmenters walks
 * (fit-sets-of-evaluation.ts), so the two cannot drift apart.
 */
import { InputError } from '../../foundation/errors';
import type { EarlyStoppingSpec } from '../classify/classifier-spec';
import { speakerHoldout } from '../folds/speaker-holdout';
import { deriveSeed } from '../random';

export interface FitRowsInput {
  rows: number;
  speakers?: readonly string[];
  seed: number;
  earlyStopping?: EarlyStoppingSpec;
}

/** The rows kept and held out (none without early stopping), drawn from deriveSeed(seed, 'early-stopping'). */
export function fitRowsOf(input: FitRowsInput): { fitRows: number[]; validationRows: number[]; validationSpeakers: string[] } {
  const { earlyStopping, speakers } = input;
  if (!earlyStopping) return { fitRows: Array.from({ length: input.rows }, (_, i) => i), validationRows: [], validationSpeakers: [] };
  if (!speakers || speakers.length !== input.rows) {
    throw new InputError({
      field: 'trainSpeakers',
      reason: 'the classifier early-stops on whole held-out speakers, and the speaker of each training row was not given',
      fix: 'pass the speakers of the training rows (compute/folds/fold-sets.ts gives them as trainSpeakers)',
      expected: input.rows,
      actual: speakers?.length ?? 'none',
    });
  }
  const holdout = speakerHoldout(speakers, earlyStopping.validationFraction, deriveSeed(input.seed, 'early-stopping'));
  return { fitRows: holdout.fitRows, validationRows: holdout.validationRows, validationSpeakers: holdout.validationSpeakers };
}
