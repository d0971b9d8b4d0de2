/**
 * Whether a group trainer (trainer.ts: several GANs of one fold and loss in one graph) gives each
 * member the exact bytes it gets trained alone, on this machine. It need not: the matmul kernels
 * split a batched product over threads by its total size, and a member whose product is split
 * differently can sum in another order (measured with oneDNN on 2 threads: stacks of 10 and 30
 * agree, 5 and 15 do not; on 3 or 4 threads most sizes differ; on 1 thread all agree). So the
 * check is an experiment rather than a rule: train `members` throwaway GANs of the real shapes
 * (spec, feature dimension, classes, batch) one pretraining and one adversarial iteration,
 * together and alone, and compare their checkpoints byte for byte and their epoch reports.
 * Element-wise kernels, reductions and Adam take part too, so anything else that depends on the
 * stack size shows up as well.
 */
import { Rng } from '../random';
import type { GanSpec } from './gan-spec';
import { CycleGanTrainer } from './trainer';

export interface GroupShape {
  spec: GanSpec;
  dim: number;
  /** Target classes per GAN. */
  classes: number;
  /** The effective batch per class (spec.batchSize, or lower for a small class). */
  batch: number;
  members: number;
}

const verdicts = new Map<string, Promise<boolean>>();

/** True if every member of a group of this shape ends where it ends alone (cached per process). */
export function groupKeepsResults(shape: GroupShape): Promise<boolean> {
  const key = JSON.stringify(shape);
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = compareGroupWithAlone(shape);
    verdicts.set(key, verdict);
  }
  return verdict;
}

async function compareGroupWithAlone({ spec, dim, classes, batch, members }: GroupShape): Promise<boolean> {
  if (members < 2) return true;
  const rng = new Rng(97);
  const rows = classes * batch;
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const train = { rows, cols: dim, x, y: Int32Array.from({ length: rows }, (_, i) => Math.floor(i / batch)), classes: Array.from({ length: classes }, (_, k) => `c${k}`) };
  // One iteration per epoch: a source of one batch, every class exactly one batch.
  const source = { rows: batch, cols: dim, x: x.slice(0, batch * dim) };
  const probe = { ...spec, batchSize: batch, pretrainEpochs: 1, epochs: 1, classifier: { ...spec.classifier, epochs: 1 } };
  const seeds = Array.from({ length: members }, (_, r) => 1 + r);
  const data = { source, train };
  const quiet = { onAdjustment: (): void => undefined };
  const group = await CycleGanTrainer.createGroup(probe, data, { seeds, ...quiet });
  try {
    // The epoch reports too: the losses logged to MLflow come from reductions, not from the weights.
    const groupReports: string[][] = seeds.map(() => []);
    await group.trainFold({ onEpoch: (report, member) => { groupReports[member]?.push(JSON.stringify(report)); } });
    for (const [r, seed] of seeds.entries()) {
      const alone = await CycleGanTrainer.create(probe, data, { seed, ...quiet });
      try {
        const reports: string[] = [];
        await alone.trainFold({ onEpoch: (report) => { reports.push(JSON.stringify(report)); } });
        if (!alone.toCheckpoint().equals(group.toCheckpoint(r))) return false;
        if (JSON.stringify(reports) !== JSON.stringify(groupReports[r])) return false;
      } finally {
        alone.dispose();
      }
    }
    return true;
  } finally {
    group.dispose();
  }
}
