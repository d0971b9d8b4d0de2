/**
 * Decoded feature matrices kept in the worker's memory: a fold's evaluations read the same
 * matrix hundreds of times, and decoding a 408 x 6373 matrix from the store each time would
 * dominate short evaluations.
 */
import type { FeatureMatrix } from '../compute/features/feature-matrix';
import { decodeFeatureMatrix } from '../compute/features/matrix-codec';
import type { ArtifactStore } from './artifact-store';

const MAX_ENTRIES = 4;
const cache = new Map<string, Promise<FeatureMatrix>>();

export function loadFeatureMatrix(store: ArtifactStore, key: string): Promise<FeatureMatrix> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const loading = store.get(key).then((bytes) => decodeFeatureMatrix(bytes, `feature matrix ${key}`));
  loading.catch(() => cache.delete(key));
  cache.set(key, loading);
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return loading;
}
