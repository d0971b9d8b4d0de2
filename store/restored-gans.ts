/**
 * A fold's trained class GANs, loaded by reference (their checkpoint's store key) for the
 * cycle-GAN evaluations. Restoring a checkpoint takes seconds and every cycle-GAN cell x repeat of
 * a fold uses the same ones, so restored trainers stay in the worker's memory: those an
 * evaluation holds (acquired, not yet released) are never evicted, and of the others only the
 * last four are kept (each holds its generators' tensors and the training data); an evicted one
 * is disposed.
 */
import type { TrainedAugmenter } from '../compute/fold-models/trained-augmenter';
import { CycleGanTrainer } from '../compute/cyclegan/trainer';
import type { ArtifactStore } from './artifact-store';

// Idle trainers kept warm: a worker runs two evaluations at once, each with the models of its
// fit sets (two in Table 1: the refit's and the hold-out's).
const MAX_IDLE_TRAINERS = 4;

interface Entry {
  trainer: Promise<CycleGanTrainer>;
  /** Evaluations holding it: while > 0 it is not evicted. */
  users: number;
}

const entries = new Map<string, Entry>();

export interface AcquiredGenerators {
  /** By checkpoint key. The caller must not dispose them: the cache owns them. */
  models: Map<string, TrainedAugmenter>;
  /** Lets the cache evict them again; call once, when the evaluation is done with them. */
  release(): void;
}

/**
 * The generators of the given checkpoints, restored once per worker while they stay cached, held
 * until `release`. A failed load is forgotten, so the next call tries again.
 */
export async function acquireGenerators(store: ArtifactStore, ganKeys: readonly string[]): Promise<AcquiredGenerators> {
  const keys = [...new Set(ganKeys)];
  const held = keys.map((key) => {
    let entry = entries.get(key);
    if (!entry) {
      const trainer = store.get(key).then((bytes) => CycleGanTrainer.fromCheckpoint(bytes));
      trainer.catch(() => entries.delete(key));
      entry = { trainer, users: 0 };
      entries.set(key, entry);
    } else {
      // Most recently used last: eviction takes the oldest idle entry first.
      entries.delete(key);
      entries.set(key, entry);
    }
    entry.users++;
    return entry;
  });
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    for (const entry of held) entry.users--;
    evictIdle();
  };
  try {
    const trainers = await Promise.all(held.map((e) => e.trainer));
    return { models: new Map(keys.map((key, i) => [key, trainers[i] as TrainedAugmenter])), release };
  } catch (err) {
    release();
    throw err;
  }
}

function evictIdle(): void {
  const idle = [...entries.entries()].filter(([, e]) => e.users === 0);
  for (const [key, entry] of idle.slice(0, Math.max(0, idle.length - MAX_IDLE_TRAINERS))) {
    entries.delete(key);
    void entry.trainer.then((t) => t.dispose(), () => undefined);
  }
}
