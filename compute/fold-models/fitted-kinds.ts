/**
 * The trained augmenters that fit in one call (no epochs, no checkpoints), by augmentation
 * method: each says how to fit a fit set's rows into bytes, how to restore them, its seed policy
 * and its own memo version. One generic activity fits any group of them (activities/
 * fold-model-activities.ts). The cycle-GANs are fold models of the same plan and seam, trained by
 * their own resumable, checkpointed activity (activities/gan-activities.ts).
 *
 * Adding one: its folder under compute/ (fit and restore, a TrainedAugmenter whose seenRows are
 * the rows it was fitted on), its spec in compute/augment/augmentation-spec.ts, and a line here.
 */
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import { fitMixtureAugmenter, restoreMixtureAugmenter } from '../gaussian-mixture/mixture-augmenter';
import type { TrainedAugmenter } from './trained-augmenter';
import { fitSetName } from './fit-sets';

export interface FittedKind {
  /** Bump when a change alters what `fit` computes for the same inputs. */
  memoVersion: number;
  /** The model fitted on `rows` (a fit set's rows, nothing else), as bytes. `options`: the method's spec less method and amount. */
  fit(rows: LabelledSet, options: Record<string, unknown>, seed: number): Buffer;
  restore(bytes: Buffer): TrainedAugmenter;
}

export const FITTED_KINDS = {
  gmm: { memoVersion: 1, fit: fitMixtureAugmenter, restore: restoreMixtureAugmenter },
} satisfies Record<string, FittedKind>;

export type FittedMethod = keyof typeof FITTED_KINDS;

export function isFittedMethod(method: string): method is FittedMethod {
  return method in FITTED_KINDS;
}

/** Where a fitted model sits: its fold, fit set (absent: every outer-training speaker) and repeat. */
export interface FittedModelPlace {
  baseSeed: number;
  foldName: string;
  fitSpeakers?: readonly string[];
  repeat?: number;
}

/** The seed policy of fitted kinds: one stream per (method, fold, fit set, repeat). */
export function fittedModelSeed(method: FittedMethod, place: FittedModelPlace): number {
  return deriveSeed(place.baseSeed, 'fold-model', method, place.foldName, place.fitSpeakers ? fitSetName(place.fitSpeakers) : 'all', ...(place.repeat === undefined ? [] : ['repeat', place.repeat]));
}
