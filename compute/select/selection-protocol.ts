/**
 * The inner protocol of model selection, `protocol.selection` of a config: how an outer fold's
 * training rows are split by speaker to score the candidates, and the score. Defaults: inner
 * leave-one-speaker-out over the training speakers, UAR (scikit-learn's
 * GridSearchCV(cv=LeaveOneGroupOut(), scoring='balanced_accuracy')).
 */
import { z } from 'zod';
import { speakerGroupedFoldsSchema } from '../folds/build-folds';

export const selectionProtocolSchema = z.strictObject({
  /** Inner splits over the outer fold's training speakers: `loso`, or `grouped-kfold` with k (drawn from the protocol seed). */
  folds: speakerGroupedFoldsSchema.default({ kind: 'loso' }),
  /** Score of a candidate on an inner validation split, averaged (unweighted) over the splits. */
  metric: z.enum(['uar']).default('uar'),
});
export type SelectionProtocol = z.infer<typeof selectionProtocolSchema>;
export type SelectionProtocolInput = z.input<typeof selectionProtocolSchema>;
