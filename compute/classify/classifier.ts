/**
 * What every classifier offers: fit on a labelled set, then predict class indices.
 */
import type { LabelledSet } from '../labelled-set';

export interface TrainedModel {
  /** Class index (into the training set's `classes`) per row of a row-major rows x cols matrix. */
  predict(x: Float32Array, rows: number): Int32Array;
  /** Frees native or wasm memory (tfjs tensors, libsvm heap). The model is unusable afterwards. */
  dispose(): void;
}

export interface FitOptions {
  /**
   * Rows to watch for early stopping, kept apart from `train` by the caller: real rows of whole
   * speakers, taken before augmentation (compute/evaluate/train-on-real-rows.ts). Used only by a
   * classifier whose spec early-stops; the others train a fixed budget and ignore it.
   */
  validation?: LabelledSet;
}

export interface Classifier {
  /** Trains on `train`. Same set and seed give the same model. The seed must not be 0 for tfjs-based models. */
  fit(train: LabelledSet, seed: number, options?: FitOptions): Promise<TrainedModel>;
}
