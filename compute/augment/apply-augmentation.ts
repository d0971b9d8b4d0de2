/**
 * One entry point for every augmentation: takes the TRAINING part of a fold (never the test part)
 * and returns it with synthetic rows appended, plus a report.
 */
import type { LabelledSet } from '../labelled-set';
import type { AugmentationSpec } from './augmentation-spec';
import type { AugmentationResult } from './augmented-set';
import { reportOf } from './augmented-set';
import { duplicateSamples } from './duplicate';
import { addGaussianNoise } from './gaussian-noise';
import { smote } from './smote';

export function applyAugmentation(train: LabelledSet, spec: AugmentationSpec, seed: number): AugmentationResult {
  switch (spec.method) {
    case 'none':
      return { set: train, report: reportOf('none', train, [], train.rows) };
    case 'duplicate':
      return duplicateSamples(train, spec.amount, seed);
    case 'noise':
      return addGaussianNoise(train, spec.amount, spec.sigma, seed);
    case 'smote':
      return smote(train, spec.amount, spec.k, seed);
    // CYCLEGAN: case 'cyclegan': generation needs trained generators (tfjs, async); the
    // compute/cyclegan/ module provides it and this function becomes async, or evaluate.ts
    // receives pre-generated synthetic rows.
  }
}
