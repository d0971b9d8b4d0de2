/**
 * What the cycle-GAN augmentation needs of trained class GANs: synthetic vectors of one class on
 * demand. An interface here, not the trainer itself, so that compute/augment stays free of tfjs
 * for every other method; compute/cyclegan's CycleGanTrainer satisfies it structurally, and tests
 * hand in a few lines of fake.
 */
import type { LabelledSet } from '../labelled-set';

export interface ClassConditionalGenerator {
  /**
   * `count` synthetic rows of class index `classIndex` (labels all `classIndex`, the caller's class
   * order), drawn from `seed` alone: the same seed gives the same rows. `count` may be 0.
   */
  generate(classIndex: number, count: number, seed: number): LabelledSet;
}
