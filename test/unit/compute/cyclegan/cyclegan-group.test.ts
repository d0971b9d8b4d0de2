// A group trainer (several GANs of one fold and loss in one graph, trainer.ts): every member ends
// byte for byte where it ends trained alone, at the shapes Table 1 trains and at small ones; its
// checkpoints restore alone or joined; mismatched checkpoints are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { InputError } from '../../../../foundation/errors';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { Rng } from '../../../../compute/random';
import { parseGanSpec, type GanSpecInput } from '../../../../compute/cyclegan/gan-spec';
import { sourceFromTrainingFold } from '../../../../compute/cyclegan/fold-data';
import { groupKeepsResults } from '../../../../compute/cyclegan/group-check';
import { CycleGanTrainer } from '../../../../compute/cyclegan/trainer';
import type { EpochReport } from '../../../../compute/cyclegan/training-report';

const quiet = { onAdjustment: (): void => undefined };

function normalFold(perClass: number[], dim: number, seed = 5): LabelledSet {
  const rng = new Rng(seed);
  const rows = perClass.reduce((a, n) => a + n, 0);
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = Int32Array.from(perClass.flatMap((n, k) => new Array<number>(n).fill(k)));
  return { rows, cols: dim, x, y, classes: perClass.map((_, k) => `c${k}`) };
}

/** Trains `seeds` as one group and each alone; asserts equal checkpoints (every saved epoch) and reports. */
async function assertGroupEqualsAlone(spec: GanSpecInput, train: LabelledSet, seeds: number[]): Promise<void> {
  const parsed = parseGanSpec(spec);
  const data = { source: sourceFromTrainingFold(train), train };
  const before = tf.memory().numTensors;
  const group = await CycleGanTrainer.createGroup(parsed, data, { seeds, ...quiet });
  const groupCheckpoints: Buffer[][] = seeds.map(() => []);
  const groupReports: EpochReport[][] = seeds.map(() => []);
  await group.trainFold({ onEpoch: (r, m) => { groupReports[m]!.push(r); }, onCheckpoint: (b, _e, m) => { groupCheckpoints[m]!.push(b); } });
  group.dispose();
  for (const [r, seed] of seeds.entries()) {
    const alone = await CycleGanTrainer.create(parsed, data, { seed, ...quiet });
    const checkpoints: Buffer[] = [];
    const reports: EpochReport[] = [];
    await alone.trainFold({ onEpoch: (rep, m) => { assert.equal(m, 0); reports.push(rep); }, onCheckpoint: (b) => { checkpoints.push(b); } });
    alone.dispose();
    assert.equal(checkpoints.length, groupCheckpoints[r]!.length);
    checkpoints.forEach((b, i) => assert.ok(b.equals(groupCheckpoints[r]![i]!), `member ${r} (seed ${seed}): checkpoint ${i} differs from the GAN trained alone`));
    assert.deepEqual(groupReports[r], reports);
  }
  assert.equal(tf.memory().numTensors, before, 'the group and the lone trainers freed every tensor');
}

test('each member of a group ends byte for byte where it ends alone (small shapes, both losses)', async () => {
  const train = normalFold([20, 18, 24], 8);
  for (const loss of ['wdiv', 'ce'] as const) {
    // A batch of 7 ends the per-sample tensors (scores [6, 7], penalties [6, 14], logits [21, 3])
    // off a vector packet: a lone GAN's last values there go through the kernels' scalar path
    // unless the trainer keeps them on the vector path (compute/nn/vector-path.ts).
    await assertGroupEqualsAlone({
      loss, hidden: [16, 16], discriminatorHidden: [8, 8], patchSize: 3, batchSize: 7, epochs: 2, pretrainEpochs: 1, checkpointEvery: 1, lr: 1e-3,
      classifier: { hidden: [8], epochs: 3, batchSize: 16 },
    }, train, [11, 12, 13]);
  }
});

test('a group of three at Table 1 shapes (emobase 988, 5 classes, 2 x 256, patch 128, batch 55) ends where its members end alone', async () => {
  // Batch 55: every LOSO fold of Table 1 lowers the batch to its sadness rows (52-59).
  const spec: GanSpecInput = { loss: 'wdiv', hidden: [256, 256], discriminator: 'patch', patchSize: 128, batchSize: 55, pretrainEpochs: 1, epochs: 1, checkpointEvery: 1, classifier: { epochs: 1 } };
  const train = normalFold([70, 70, 70, 70, 70], 988);
  const parsed = parseGanSpec(spec);
  // The run-time check says the same as the full comparison on this machine, whichever way it goes.
  const keeps = await groupKeepsResults({ spec: parsed, dim: 988, classes: 5, batch: 55, members: 3 });
  if (keeps) await assertGroupEqualsAlone(spec, train, [21, 22, 23]);
  else await assert.rejects(assertGroupEqualsAlone(spec, train, [21, 22, 23]), /differs from the GAN trained alone/);
});

test('member checkpoints restore alone and join into a group that continues like the original', async () => {
  const train = normalFold([20, 20], 6);
  const spec = parseGanSpec({ hidden: [8], discriminatorHidden: [4], patchSize: 3, batchSize: 8, epochs: 3, pretrainEpochs: 1, checkpointEvery: 1, classifier: { hidden: [4], epochs: 2 } });
  const data = { source: sourceFromTrainingFold(train), train };
  const group = await CycleGanTrainer.createGroup(spec, data, { seeds: [3, 4], ...quiet });
  await group.trainFold({ untilEpoch: 2 });
  const mid = [group.toCheckpoint(0), group.toCheckpoint(1)];
  await group.trainFold();
  const final = [group.toCheckpoint(0), group.toCheckpoint(1)];
  assert.deepEqual(group.seeds, [3, 4]);
  assert.throws(() => group.toCheckpoint(2), InputError);
  group.dispose();

  const joined = CycleGanTrainer.fromCheckpoints(mid);
  await joined.trainFold();
  assert.ok(joined.toCheckpoint(0).equals(final[0]!) && joined.toCheckpoint(1).equals(final[1]!), 'a joined group resumes exactly');
  joined.dispose();
  const alone = CycleGanTrainer.fromCheckpoint(mid[1]!);
  await alone.trainFold();
  assert.ok(alone.toCheckpoint().equals(final[1]!), 'a member restored alone continues exactly');
  assert.equal(alone.generate(1, 5, 9).rows, 5);
  alone.dispose();

  const other = await CycleGanTrainer.create(spec, data, { seed: 5, ...quiet });
  assert.throws(() => CycleGanTrainer.fromCheckpoints([mid[0]!, other.toCheckpoint()]), (e: unknown) => e instanceof InputError && /checkpoints\[1\].*training progress/.test(e.message));
  other.dispose();
});
