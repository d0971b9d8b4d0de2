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

export interface Classifier {
  /** Trains on `train`. Same set and seed give the same model. The seed must not be 0 for tfjs-based models. */
  fit(train: LabelledSet, seed: number): Promise<TrainedModel>;
}
