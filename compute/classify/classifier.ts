/**
 * What every classifier offers: fit on a labelled set, then predict class indices.
 */
import type { LabelledSet } from '../labelled-set';

export interface TrainedModel {
  /**
   * Class index (into the training set's `classes`) per row of a row-major rows x cols matrix.
   * `lengths`: frames of each row, for a model of sequences (LabelledSet.sequence.lengths).
   */
  predict(x: Float32Array, rows: number, lengths?: Int32Array): Int32Array;
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
  /**
   * Checkpointing of a long training (a classifier that trains in epochs may offer it; the
   * others ignore it): `restored` continues from a checkpoint this classifier wrote for the same
   * set, seed and spec, so that the result is bit-identical to an uninterrupted fit; `save` is
   * awaited with a new checkpoint every `everyEpochs` epochs.
   */
  checkpoint?: FitCheckpointing;
  /** Called after every epoch with its figures (for tracking), by classifiers that train in epochs. */
  onEpoch?: (figures: EpochFigures) => void | Promise<void>;
}

export interface FitCheckpointing {
  restored?: Uint8Array;
  everyEpochs: number;
  save(checkpoint: Uint8Array, epoch: number): Promise<void>;
}

export interface EpochFigures {
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** On the early-stopping rows, when there are some. */
  validationLoss?: number;
  validationUar?: number;
}

export interface Classifier {
  /** Trains on `train`. Same set and seed give the same model. The seed must not be 0 for tfjs-based models. */
  fit(train: LabelledSet, seed: number, options?: FitOptions): Promise<TrainedModel>;
}
