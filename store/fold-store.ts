/**
 * Fold definitions live in the store (row indices would bloat workflow histories); workers
 * keep the decoded lists in memory. A fold's sets are loaded here, once for every reader
 * (GAN training, evaluation, the report's maps).
 */
import { foldDefinitionSchema, type FoldDefinition } from '../compute/folds/fold-definition';
import { foldSets, type FoldSets } from '../compute/folds/fold-sets';
import type { ArtifactStore } from './artifact-store';
import { loadFeatureMatrix } from './feature-matrix-cache';

const cache = new Map<string, FoldDefinition[]>();

export async function storeFolds(store: ArtifactStore, folds: FoldDefinition[]): Promise<string> {
  return store.put(Buffer.from(JSON.stringify(folds)), { label: 'folds' });
}

export async function loadFolds(store: ArtifactStore, key: string): Promise<FoldDefinition[]> {
  const hit = cache.get(key);
  if (hit) return hit;
  const folds = foldDefinitionSchema.array().parse(JSON.parse((await store.get(key)).toString('utf8')));
  if (cache.size > 16) cache.clear();
  cache.set(key, folds);
  return folds;
}

/** Where a fold's sets are: the experiment's feature matrix and fold list, the fold, the class order. */
export interface FoldSetsRef {
  featureKey: string;
  foldsKey: string;
  foldIndex: number;
  classes: readonly string[];
}

/**
 * A fold's training and test sets, z-normalised on the training rows, and the speaker of each
 * training row (compute/folds/fold-sets.ts), read from the store through the worker's caches.
 */
export async function loadFoldSets(store: ArtifactStore, ref: FoldSetsRef): Promise<FoldSets & { fold: FoldDefinition }> {
  const matrix = await loadFeatureMatrix(store, ref.featureKey);
  const fold = (await loadFolds(store, ref.foldsKey))[ref.foldIndex];
  if (!fold) throw new RangeError(`fold ${ref.foldIndex} is not in ${ref.foldsKey}`);
  return { fold, ...foldSets(matrix, fold, ref.classes) };
}
