// CycleGanTrainer: tensor discipline, checkpoint/resume equivalence, corrupt checkpoints,
// determinism, batched-equals-alone, bad input and divergence. Small dimensions throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { InputError, NumericalError } from '../../../../foundation/errors';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { Rng } from '../../../../compute/random';
import { CorruptCheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../../../compute/cyclegan/checkpoint-format';
import type { GanSpecInput } from '../../../../compute/cyclegan/gan-spec';
import { parseGanSpec } from '../../../../compute/cyclegan/gan-spec';
import type { CycleGanFoldData } from '../../../../compute/cyclegan/fold-data';
import { sourceFromTrainingFold } from '../../../../compute/cyclegan/fold-data';
import { CycleGanTrainer } from '../../../../compute/cyclegan/trainer';
import type { EpochReport } from '../../../../compute/cyclegan/training-report';

const DIM = 8;

function gaussianFold(perClass: number[], seed = 3): LabelledSet {
  const rng = new Rng(seed);
  const rows = perClass.reduce((a, n) => a + n, 0);
  const x = new Float32Array(rows * DIM);
  const y = new Int32Array(rows);
  let r = 0;
  perClass.forEach((n, k) => {
    for (let i = 0; i < n; i++, r++) {
      y[r] = k;
      for (let d = 0; d < DIM; d++) x[r * DIM + d] = rng.normal() * 0.7 + (d % perClass.length === k ? 1.5 : -0.5);
    }
  });
  return { rows, cols: DIM, x, y, classes: perClass.map((_, k) => `c${k}`) };
}

function smallSpec(extra: GanSpecInput = {}): ReturnType<typeof parseGanSpec> {
  return parseGanSpec({
    hidden: [16, 16], discriminatorHidden: [8, 8], patchSize: 3, batchSize: 8,
    epochs: 4, pretrainEpochs: 1, checkpointEvery: 2, lr: 1e-3,
    classifier: { hidden: [8], epochs: 5, batchSize: 16 },
    ...extra,
  });
}

function foldData(train: LabelledSet, targetClasses?: number[]): CycleGanFoldData {
  return targetClasses === undefined ? { source: sourceFromTrainingFold(train), train } : { source: sourceFromTrainingFold(train), train, targetClasses };
}

const quiet = { onAdjustment: (): void => undefined };

/** The network weights of a checkpoint (generator stack GF, discriminator stack D), by name. */
function weightsOf(buf: Buffer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of decodeCheckpoint(buf).tensors) if (/^(GF|D)\.\d+$/.test(name)) out.set(name, t.data as Float32Array);
  return out;
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  }
  return worst;
}

for (const loss of ['wdiv', 'ce'] as const) test(`tf.memory().numTensors does not grow across epochs, and dispose frees everything (${loss})`, async () => {
  const before = tf.memory().numTensors;
  const trainer = await CycleGanTrainer.create(smallSpec({ epochs: 5, loss }), foldData(gaussianFold([24, 24])), { seed: 5, ...quiet });
  const counts: number[] = [];
  await trainer.trainFold({ onEpoch: () => { counts.push(tf.memory().numTensors); }, onCheckpoint: () => undefined });
  trainer.generate(0, 10, 9);
  trainer.classify(new Float32Array(DIM * 2), 2);
  assert.equal(counts.length, 6);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts per epoch: ${counts.join(', ')}`);
  trainer.dispose();
  assert.equal(tf.memory().numTensors, before);
});

for (const loss of ['wdiv', 'ce'] as const) {
  test(`resume from an epoch checkpoint and from a mid-epoch abort equals the uninterrupted run (${loss})`, async () => {
    const spec = smallSpec({ loss, wdivSampling: loss === 'wdiv' ? 'interpolate' : 'real-and-fake' });
    const data = foldData(gaussianFold([24, 20, 30]));
    const checkpoints = new Map<number, Buffer>();
    const reportsA: EpochReport[] = [];
    const a = await CycleGanTrainer.create(spec, data, { seed: 11, ...quiet });
    await a.trainFold({ onCheckpoint: (buf, epoch) => { checkpoints.set(epoch, buf); }, onEpoch: (r) => { reportsA.push(r); } });
    assert.deepEqual([...checkpoints.keys()], [2, 4, 5]);
    const final = weightsOf(a.toCheckpoint());
    a.dispose();

    // Restart from the epoch-2 checkpoint (end of the first adversarial epoch).
    const b = CycleGanTrainer.fromCheckpoint(checkpoints.get(2)!);
    const reportsB: EpochReport[] = [];
    await b.trainFold({ onEpoch: (r) => { reportsB.push(r); } });
    assert.ok(maxDiff(final, weightsOf(b.toCheckpoint())) < 1e-5);
    assert.deepEqual(reportsB.map((r) => r.epoch), [3, 4, 5]);
    for (const r of reportsB) assert.ok(Math.abs(r.losses.cyc - reportsA[r.epoch - 1]!.losses.cyc) < 1e-5);
    b.dispose();

    // Stop in the middle of epoch 4 (after 3 of its iterations), checkpoint, restore, finish.
    const c = CycleGanTrainer.fromCheckpoint(checkpoints.get(2)!);
    let checks = 0;
    const stopper = { throwIfAborted: () => { if (++checks > c.iterationsPerEpoch + 3) throw new Error('stop'); } } as unknown as AbortSignal;
    await assert.rejects(c.trainFold({ signal: stopper }), /stop/);
    const mid = c.toCheckpoint();
    c.dispose();
    const d = CycleGanTrainer.fromCheckpoint(mid);
    assert.equal(d.completedEpochs, 3);
    const reportsD: EpochReport[] = [];
    await d.trainFold({ onEpoch: (r) => { reportsD.push(r); } });
    assert.ok(maxDiff(final, weightsOf(d.toCheckpoint())) < 1e-5);
    // The epoch-4 losses include the iterations run before the stop.
    assert.ok(Math.abs(reportsD[0]!.losses.dT - reportsA[3]!.losses.dT) < 1e-5);
    d.dispose();
  });
}

test('a corrupt checkpoint throws CorruptCheckpointError (an InputError) naming the problem', async () => {
  const trainer = await CycleGanTrainer.create(smallSpec({ epochs: 1, pretrainEpochs: 0 }), foldData(gaussianFold([16, 16])), { seed: 2, ...quiet });
  await trainer.trainFold();
  const good = trainer.toCheckpoint();
  trainer.dispose();
  const flipped = Buffer.from(good);
  flipped[flipped.length - 7] = flipped[flipped.length - 7]! ^ 0x10;
  const cases: [string, Buffer, RegExp][] = [
    ['flipped payload bit', flipped, /sha256 mismatch/],
    ['truncated', good.subarray(0, good.length - 100), /sha256 mismatch/],
    ['too short', good.subarray(0, 20), /shorter than the fixed header/],
    ['wrong magic', Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)]), /bad magic/],
    ['empty', Buffer.alloc(0), /shorter/],
  ];
  for (const [name, buf, pattern] of cases) {
    assert.throws(() => CycleGanTrainer.fromCheckpoint(buf), (e: unknown) => e instanceof CorruptCheckpointError && e instanceof InputError && pattern.test(e.message), name);
  }
  // Hash intact but contents inconsistent: a weight tensor with the wrong shape.
  const decoded = decodeCheckpoint(good);
  const tensors = [...decoded.tensors.values()].map((t) => (t.name === 'GF.0' ? { ...t, shape: [t.shape[0]!, t.shape[2]!, t.shape[1]!] } : t));
  assert.throws(() => CycleGanTrainer.fromCheckpoint(encodeCheckpoint(decoded.meta, tensors)), /GF\.0 has shape/);
  assert.throws(() => CycleGanTrainer.fromCheckpoint(encodeCheckpoint({ ...(decoded.meta as object), epoch: -1 }, [...decoded.tensors.values()])), /header does not describe a trainer/);
});

test('the cycle-loss choice is recorded in checkpoints only when it is \'sum\', and a \'sum\' training resumes as \'sum\'', async () => {
  const data = foldData(gaussianFold([20, 20]));
  const train = async (extra: GanSpecInput): Promise<{ final: Buffer; early: Buffer }> => {
    const t = await CycleGanTrainer.create(smallSpec({ epochs: 2, ...extra }), data, { seed: 12, ...quiet });
    let early: Buffer | undefined;
    await t.trainFold({ onCheckpoint: (buf, epoch) => { if (epoch === 2) early = buf; } });
    const final = t.toCheckpoint();
    t.dispose();
    return { final, early: early! };
  };
  const plain = await train({});
  // 'mean' and shareAcrossRepeats are the behaviour of checkpoints written before the fields
  // existed: their header leaves them out, so those checkpoints' bytes do not change.
  const header = decodeCheckpoint(plain.final).meta as { spec: Record<string, unknown> };
  assert.ok(!('cycleLoss' in header.spec) && !('shareAcrossRepeats' in header.spec), JSON.stringify(header.spec));
  assert.ok((await train({ cycleLoss: 'mean', shareAcrossRepeats: true })).final.equals(plain.final), 'explicit defaults write the same bytes');
  const restoredPlain = CycleGanTrainer.fromCheckpoint(plain.final);
  assert.equal(restoredPlain.spec.cycleLoss, 'mean');
  restoredPlain.dispose();

  const summed = await train({ cycleLoss: 'sum' });
  assert.equal((decodeCheckpoint(summed.final).meta as { spec: { cycleLoss?: string } }).spec.cycleLoss, 'sum');
  assert.ok(maxDiff(weightsOf(plain.final), weightsOf(summed.final)) > 1e-4, 'the summed cycle loss trains other weights');
  const resumed = CycleGanTrainer.fromCheckpoint(summed.early);
  assert.equal(resumed.spec.cycleLoss, 'sum');
  await resumed.trainFold();
  assert.ok(maxDiff(weightsOf(summed.final), weightsOf(resumed.toCheckpoint())) < 1e-5, 'resumed with the summed loss');
  resumed.dispose();
});

test('the same seed gives the same weights; another seed gives other weights', async () => {
  const run = async (seed: number): Promise<Map<string, Float32Array>> => {
    const t = await CycleGanTrainer.create(smallSpec({ epochs: 2 }), foldData(gaussianFold([20, 20])), { seed, ...quiet });
    await t.trainFold();
    const w = weightsOf(t.toCheckpoint());
    t.dispose();
    return w;
  };
  const [a, b, c] = [await run(21), await run(21), await run(22)];
  assert.equal(maxDiff(a, b), 0);
  assert.ok(maxDiff(a, c) > 1e-3);
});

test('a class trained inside the fold batch ends where it ends trained alone', async () => {
  const train = gaussianFold([20, 20, 20]);
  const spec = smallSpec({ epochs: 2 });
  const together = await CycleGanTrainer.create(spec, foldData(train), { seed: 8, ...quiet });
  const alone = await CycleGanTrainer.create(spec, foldData(train, [1]), { seed: 8, ...quiet });
  await together.trainFold();
  await alone.trainFold();
  const wt = weightsOf(together.toCheckpoint());
  const wa = weightsOf(alone.toCheckpoint());
  // Stacks hold [G_1..G_C, F_1..F_C] (and D^T, D^S likewise): class 1 of 3 sits at 1 and 4,
  // the lone class at 0 and 1.
  let worst = 0;
  for (const [name, x] of wa) {
    const all = wt.get(name)!;
    const per = x.length / 2;
    for (const [alone, inFold] of [[0, 1], [1, 4]] as const) {
      for (let i = 0; i < per; i++) worst = Math.max(worst, Math.abs(x[alone * per + i]! - all[inFold * per + i]!));
    }
  }
  assert.ok(worst < 1e-4, `class 1 weights differ by ${worst}`);
  together.dispose();
  alone.dispose();
});

test('bad input: tiny classes, non-finite values, mismatched source; the batch is lowered with a warning', async () => {
  const tiny = gaussianFold([20, 1]);
  await assert.rejects(CycleGanTrainer.create(smallSpec(), foldData(tiny), { seed: 1, ...quiet }), (e: unknown) => e instanceof InputError && /class 'c1'/.test(e.message) && /at least 2/.test(e.message));
  const nan = gaussianFold([10, 10]);
  nan.x[13] = Number.NaN;
  await assert.rejects(CycleGanTrainer.create(smallSpec(), foldData(nan), { seed: 1, ...quiet }), /non-finite value at row 1, column 5/);
  const train = gaussianFold([10, 10]);
  await assert.rejects(CycleGanTrainer.create(smallSpec(), { source: { rows: 2, cols: 3, x: new Float32Array(6) }, train }, { seed: 1, ...quiet }), /differ in dimension/);
  await assert.rejects(CycleGanTrainer.create(smallSpec(), foldData(train), { seed: 0, ...quiet }), /non-zero/);
  const warnings: string[] = [];
  const small = await CycleGanTrainer.create(smallSpec(), foldData(gaussianFold([30, 5])), { seed: 1, onAdjustment: (a) => warnings.push(a.message) });
  assert.equal(small.batch, 5);
  assert.match(warnings.join('\n'), /batch lowered from 8 to 5: class 'c1' has only 5/);
  await small.trainFold({ untilEpoch: 2 });
  small.dispose();
});

test('diverging training stops with NumericalError naming epoch and class; no checkpoint of the bad epoch', async () => {
  const trainer = await CycleGanTrainer.create(smallSpec({ lr: 1e30, pretrainEpochs: 0, checkpointEvery: 1 }), foldData(gaussianFold([16, 16])), { seed: 4, ...quiet });
  const saved: number[] = [];
  await assert.rejects(trainer.trainFold({ onCheckpoint: (_b, e) => { saved.push(e); } }), (e: unknown) => {
    assert.ok(e instanceof NumericalError);
    assert.match(e.message, /diverged in epoch \d+ \(adversarial\): class 'c[01]' has \w+ loss (NaN|-?Infinity)/);
    assert.ok(!saved.includes(e.details.epoch as number));
    return true;
  });
  trainer.dispose();
});

test('an aborted signal stops training between iterations with the signal reason', async () => {
  const trainer = await CycleGanTrainer.create(smallSpec(), foldData(gaussianFold([16, 16])), { seed: 4, ...quiet });
  const controller = new AbortController();
  controller.abort(new Error('cancelled by test'));
  await assert.rejects(trainer.trainFold({ signal: controller.signal }), /cancelled by test/);
  assert.equal(trainer.completedEpochs, 0);
  trainer.dispose();
});
