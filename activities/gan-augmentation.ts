/**
 * Cycle-GAN augmentation of a fold's training part from a stored checkpoint. Restored trainers
 * stay in memory (a fold's cycle-GAN cells all use the same one) and are disposed when evicted.
 */
import { additionsPerClass, type AmountSpec } from '../compute/augment/amount';
import { appendRows, reportOf, type AugmentationResult } from '../compute/augment/augmented-set';
import { CycleGanTrainer } from '../compute/cyclegan/trainer';
import type { LabelledSet } from '../compute/labelled-set';
import { deriveSeed } from '../compute/random';
import type { ArtifactStore } from '../store/artifact-store';

const MAX_TRAINERS = 2;
const trainers = new Map<string, Promise<CycleGanTrainer>>();

async function restoredTrainer(store: ArtifactStore, ganKey: string): Promise<CycleGanTrainer> {
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

export async function augmentWithStoredGan(
  store: ArtifactStore, ganKey: string, train: LabelledSet, amount: AmountSpec, seed: number,
): Promise<AugmentationResult> {
  const trainer = await restoredTrainer(store, ganKey);
  const added = additionsPerClass(train, amount);
  const synthetic: LabelledSet[] = added.map((n, c) => trainer.generate(c, n, deriveSeed(seed, 'cyclegan', train.classes[c] ?? c)));
  const labels = synthetic.flatMap((s) => Array.from(s.y));
  const rows = synthetic.flatMap((s) => Array.from({ length: s.rows }, (_, i) => s.x.subarray(i * s.cols, (i + 1) * s.cols)));
  const set = appendRows(train, labels, (row, i) => row.set(rows[i] as Float32Array));
  return { set, report: reportOf('cyclegan', train, added, set.rows) };
}
