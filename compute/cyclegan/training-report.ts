/**
 * What cycle-GAN training reports, and the callbacks it reports through: the loss names, the
 * per-epoch report, and the options and result of `CycleGanTrainer.trainFold`.
 *
 * Free of tfjs on purpose: the activity that logs the losses, the report that reads them back
 * from MLflow and anything else that only names them must not load TensorFlow for a constant.
 */

/**
 * The loss terms, in the column order of the trainer's per-class loss records (and of its
 * checkpointed running sums: reordering them changes the checkpoint layout).
 */
export const LOSS_NAMES = ['dT', 'dS', 'g', 'f', 'cyc', 'cls', 'gp'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/**
 * Epoch means of the per-iteration losses. dT, dS: discriminator losses (including the WGAN-div
 * penalty); g, f: the adversarial terms of G and F; cyc: the cycle MSE (sum of both directions);
 * cls: the classifier cross-entropy on G(s); gp: the WGAN-div penalty of D^T plus D^S (0 for 'ce').
 * In pretraining only cyc is non-zero.
 */
export type EpochLosses = Record<LossName, number>;

export interface EpochReport {
  /** 1-based, counting pretraining epochs first. */
  epoch: number;
  phase: 'pretrain' | 'adversarial';
  /** Learning rate used in this epoch. */
  lr: number;
  /** Mean over the fold's target classes. */
  losses: EpochLosses;
  /** Per target class, keyed by class name. */
  classLosses: Record<string, EpochLosses>;
}

/** `member`: which GAN of a group trainer (always 0 for a trainer of one GAN); a group reports every member in turn. */
export interface TrainFoldCallbacks {
  onEpoch?: (report: EpochReport, member: number) => void | Promise<void>;
  /** Every `checkpointEvery` epochs and after the last one; awaited. Writing it atomically is the caller's job. */
  onCheckpoint?: (checkpoint: Buffer, epoch: number, member: number) => void | Promise<void>;
  /** Checked before every iteration; the trainer stays consistent and can still be checkpointed. */
  signal?: AbortSignal;
  /** Stop once this many epochs are complete (default: pretrainEpochs + epochs). */
  untilEpoch?: number;
}

export interface TrainFoldResult {
  /** Completed epochs (pretraining included). */
  epochs: number;
  /** The last epoch's report, per member. */
  last?: EpochReport[];
}
