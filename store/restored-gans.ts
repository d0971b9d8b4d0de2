/**
 * A fold's trained class GANs, loaded by reference (their checkpoint's store key) for the
 * cycle-GAN evaluations. Restoring a checkpoint takes seconds and every cycle-GAN cell x repeat of
 * a fold uses the same ones, so restored trainers stay in the worker's memory; only the last four
 * are kept (each holds its generators' tensors and the training data) and an evicted one is
 * disposed.
 */
import type { TrainedAugmenter } from '../compute/fold-models/trained-augmenter';
import { CycleGanTrainer } from '../compute/cyclegan/trainer';
import type { ArtifactStore } from './artifact-store';

// A fold's evaluation uses a model per fit set (the refit's, an inner split's), and a worker runs
// evaluations of several cells and repeats: four keeps those of one (fold, repeat) and loss warm.
const MAX_TRAINERS = 4;
const trainers = new Map<string, Promise<CycleGanTrainer>>();

/**
 * The generators of checkpoint `ganKey`, restored once per worker while it stays among the last
 * two asked for. A failed load is forgotten, so the next call tries again. The caller must not
 * dispose the result: the cache owns it.
 */
export async function loadGenerator(store: ArtifactStore, ganKey: string): Promise<TrainedAugmenter> {
  let trainer = trainers.get(ganKey);
  if (!trainer) {
    trainer = store.get(ganKey).then((bytes) => CycleGanTrainer.fromCheckpoint(bytes));
    trainer.catch(() => trainers.delete(ganKey));
    trainers.set(ganKey, trainer);
    while (trainers.size > MAX_TRAINERS) {
      const [oldestKey, oldest] = trainers.entries().next().value as [string, Promise<CycleGanTrainer>];
      trainers.delete(oldestKey);
      void oldest.then((t) => t.dispose(), () => undefined);
    }
  }
  return trainer;
}
