/**
 * Fold definitions live in the store (row indices would bloat workflow histories); workers
 * keep the decoded lists in memory.
 */
import { foldDefinitionSchema, type FoldDefinition } from '../compute/folds/fold-definition';
import type { ArtifactStore } from '../store/artifact-store';

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
