/**
 * The inner protocol of model selection, `protocol.selection` of a config: how an outer fold's
 * training rows are split by speaker to score the candidates, and the score. Defaults: inner
 * leave-one-speaker-out over the training speakers, UAR (scikit-learn's
 * GridSearchCV(cv=LeaveOneGroupOut(), scoring='balanced_accuracy')).
 *
 * `speaker-holdout` is the cheap honest kind: one inner split whose validation speakers are
 * drawn exactly as a classifier's early-stopping speakers are (compute/folds/speaker-holdout.ts,
 * about `fraction` of the rows, from the evaluation's early-stopping seed). With the same
 * fraction as the DNN's `earlyStopping.validationFraction`, the SVM's validation speakers and the
 * DNN's stopping speakers of a (fold, repeat) are the same, so the trained augmenters fitted on
 * the remaining speakers serve both (compute/fold-models/fit-sets.ts): one extra GAN training per
 * (fold, repeat, loss) instead of one per inner split.
 */
import { z } from 'zod';
import { speakerGroupedFoldsSchema } from '../folds/build-folds';

/** One inner split holding out whole speakers, about `fraction` of the rows (the early-stopping draw). */
export const speakerHoldoutSelectionSchema = z.strictObject({ kind: z.literal('speaker-holdout'), fraction: z.number().gt(0).lt(1) });

export const selectionFoldsSchema = z.discriminatedUnion('kind', [...speakerGroupedFoldsSchema.options, speakerHoldoutSelectionSchema]);
export type SelectionFolds = z.infer<typeof selectionFoldsSchema>;

export const selectionProtocolSchema = z.strictObject({
  /**
   * Inner splits over the outer fold's training speakers: `loso`, `grouped-kfold` with k (drawn
   * from the protocol seed), or `speaker-holdout` with a fraction (one split, drawn per fold and
   * repeat as the early-stopping speakers are).
   */
  folds: selectionFoldsSchema.default({ kind: 'loso' }),
  /** Score of a candidate on an inner validation split, averaged (unweighted) over the splits. */
  metric: z.enum(['uar']).default('uar'),
});
export type SelectionProtocol = z.infer<typeof selectionProtocolSchema>;
export type SelectionProtocolInput = z.input<typeof selectionProtocolSchema>;
