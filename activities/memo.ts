/**
 * Memoisation of activity results: a result is stored under the hash of the activity's kind,
 * inputs and code version, so a retry, a resume or an overlapping sweep finds finished work
 * instead of redoing it. Results are small JSON; large outputs are stored separately and the
 * result holds their keys. A memo entry whose object is missing or corrupt counts as absent.
 */
import { EVALUATION_MEMO_VERSION } from '../compute/evaluate/evaluation-version';
import { GAN_MEMO_VERSION } from '../compute/cyclegan/gan-spec';
import { hashOf } from '../configs/canonical-json';
import type { ArtifactStore } from '../store/artifact-store';
import { ArtifactCorruptionError, ArtifactNotFoundError } from '../store/store-errors';

/**
 * The version of what each kind computes, owned by the compute module that computes it (bump it
 * there when a change alters a result for the same inputs: every memo entry of that kind is
 * then recomputed). Fitted fold models also carry their kind's own version in their inputs.
 */
export const CODE_VERSIONS = {
  features: 1,
  folds: 1,
  gan: GAN_MEMO_VERSION,
  evaluation: EVALUATION_MEMO_VERSION,
  // compute/fold-models/fitted-kinds.ts: each kind's memoVersion is part of the entry's inputs.
  foldModel: 1,
} as const;

export type MemoKind = keyof typeof CODE_VERSIONS;

export interface Memoised<T> {
  value: T;
  /** True when the value came from the memo (nothing was computed). */
  memoHit: boolean;
  inputHash: string;
}

export function memoName(kind: MemoKind, inputs: unknown): { name: string; inputHash: string } {
  const inputHash = hashOf({ kind, version: CODE_VERSIONS[kind], inputs });
  return { name: `memo/${kind}/${inputHash}`, inputHash };
}

export interface MemoOptions<T> {
  /**
   * Store keys the value refers to (a feature matrix, a GAN checkpoint). A hit whose referenced
   * object is missing or corrupt (the store removes it when its hash does not match) counts as
   * a miss: otherwise every later reader would fail on it, with nothing left to recompute it.
   */
  references?: (value: T) => (string | undefined)[];
}

export async function memoised<T>(store: ArtifactStore, kind: MemoKind, inputs: unknown, compute: () => Promise<T>, options: MemoOptions<T> = {}): Promise<Memoised<T>> {
  const hit = await memoLookup(store, kind, inputs, options);
  if (hit !== undefined) return hit;
  const value = await compute();
  return memoStore(store, kind, inputs, value);
}

/**
 * `memoised`'s first half, for work computed for several memo entries at once (the GANs of a
 * group): the stored value, or undefined when it must be computed.
 */
export async function memoLookup<T>(store: ArtifactStore, kind: MemoKind, inputs: unknown, options: MemoOptions<T> = {}): Promise<Memoised<T> | undefined> {
  const { name, inputHash } = memoName(kind, inputs);
  let stored: Buffer | undefined;
  try {
    stored = await store.getNamed(name);
  } catch (err) {
    // A corrupt entry was removed by the store: recompute it.
    if (!(err instanceof ArtifactCorruptionError)) throw err;
  }
  if (stored) {
    const value = JSON.parse(stored.toString('utf8')) as T;
    if (await referencesIntact(store, options.references?.(value) ?? [])) return { value, memoHit: true, inputHash };
  }
  return undefined;
}

/** `memoised`'s second half: records a computed value. */
export async function memoStore<T>(store: ArtifactStore, kind: MemoKind, inputs: unknown, value: T): Promise<Memoised<T>> {
  const { name, inputHash } = memoName(kind, inputs);
  await store.putNamed(name, Buffer.from(JSON.stringify(value)), { label: name });
  return { value, memoHit: false, inputHash };
}

/** Whether every referenced object is in the store and hashes to its key (get() verifies, and removes a corrupt one). */
async function referencesIntact(store: ArtifactStore, keys: (string | undefined)[]): Promise<boolean> {
  for (const key of keys) {
    if (!key) continue;
    try {
      await store.get(key);
    } catch (err) {
      if (err instanceof ArtifactCorruptionError || err instanceof ArtifactNotFoundError) return false;
      throw err;
    }
  }
  return true;
}
