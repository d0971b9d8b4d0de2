/**
 * Memoisation of activity results: a result is stored under the hash of the activity's kind,
 * inputs and code version, so a retry, a resume or an overlapping sweep finds finished work
 * instead of redoing it. Results are small JSON; large outputs are stored separately and the
 * result holds their keys. A memo entry whose object is missing or corrupt counts as absent.
 */
import { hashOf } from '../configs/canonical-json';
import type { ArtifactStore } from '../store/artifact-store';
import { ArtifactCorruptionError, ArtifactNotFoundError } from '../store/store-errors';

/**
 * Bump when a change alters what an activity computes for the same inputs: every memo entry of
 * that kind is then recomputed.
 */
export const CODE_VERSIONS = {
  features: 1,
  folds: 1,
  // 3: hand-written generator backward pass (same loss, other float summation order).
  // 4: the generator step scores fakes with tf.leakyRelu (rounding-level differences).
  // 5: oneDNN matmuls (compute/tensorflow-kernels.ts) and the critic step's hand-written
  //    gradients (critic-gradients.ts): rounding-level differences.
  // 6: the generators' bias gradients are a product with ones, not a Sum (stacked-mlp.ts
  //    stackPositionFreeBiasGradient), so that a GAN trained in a group ends where it ends alone.
  // 7: softplus and pow on their vector paths (compute/nn/vector-path.ts), so that groups also keep
  //    their members' bytes at batches whose tensors end off a packet (Table 1's 52-59): rounding-level.
  // 8: the generator step's adversarial and classification gradients and the cross-entropy
  //    discriminator's gradients are backpropagated by hand (discriminator.ts
  //    discriminatorInputGradient, critic-gradients.ts ceCriticGradients), not by autodiff:
  //    rounding-level differences.
  gan: 8,
  // 2: the DNN trains with a hand-written step and fused Adam instead of tf.layers (other numbers, same model).
  // 3: early-stopping rows are real rows of whole speakers taken before augmentation (other DNN
  //    numbers); trainRows is the real row count for cycle-GAN cells too; results carry addedRows,
  //    validationRows and, for cells that select hyperparameters, the selection.
  // 4: the DNN's matmuls run on oneDNN (compute/tensorflow-kernels.ts): rounding-level differences.
  evaluation: 4,
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
