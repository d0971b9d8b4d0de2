/**
 * Trained augmenters as fold models: an augmenter that is fitted on rows (the class cycle-GANs,
 * a class-conditional Gaussian mixture) rather than one that only resamples them. Such a model
 * is fitted, and draws its sources, on one FIT SET: the rows of an outer fold's training part
 * that one use augments (the refit, an inner split of a model selection, the rows left after an
 * early-stopping hold-out), named by their speakers (fit-sets.ts). A use asks for the model of
 * exactly its rows, and the seam (fit-set-guard.ts) checks what the model has seen.
 */
import type { ClassConditionalGenerator } from '../augment/class-conditional-generator';

/** Row-major rows, as the model holds them. */
export interface SeenRows {
  rows: number;
  cols: number;
  x: Float32Array;
}

export interface TrainedAugmenter extends ClassConditionalGenerator {
  /**
   * Every row the model was fitted on or draws sources from, in the feature space it generates
   * in (the outer fold's normalised space): what the seam compares with the rows it augments.
   */
  seenRows(): SeenRows;
}

/** The fold models of one evaluation (a fold, a repeat, a method), one per fit set. */
export interface FoldModels {
  /**
   * The model fitted on exactly the outer-training rows of `speakers` (sorted, distinct). Throws
   * when there is none: the plan of the fold (fit-sets.ts fitSetsOfEvaluation) lists every fit
   * set an evaluation asks for, so a miss is a bug, not a reason to fall back on another model.
   */
  fittedOn(speakers: readonly string[]): TrainedAugmenter;
}
