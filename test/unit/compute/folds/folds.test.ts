import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEmodbCorpus } from '../../../../compute/corpus/emodb';
import { InputError } from '../../../../foundation/errors';
import { buildFolds, foldsSpecSchema } from '../../../../compute/folds/build-folds';
import { checkFold, foldDefinitionSchema, type FoldDefinition, type FoldRow } from '../../../../compute/folds/fold-definition';
import { groupedKFold } from '../../../../compute/folds/grouped-k-fold';
import { leaveOneSpeakerOut } from '../../../../compute/folds/leave-one-speaker-out';
import { stratifiedSplit } from '../../../../compute/folds/stratified-split';
import { foldSets } from '../../../../compute/folds/fold-sets';
import { speakerHoldout } from '../../../../compute/folds/speaker-holdout';
import { deriveSeed, Rng } from '../../../../compute/random';

function assertPartition(fold: FoldDefinition, rows: readonly FoldRow[]): void {
  const all = [...fold.trainIndices, ...fold.testIndices].sort((a, b) => a - b);
  assert.deepEqual(all, rows.map((_, i) => i), `${fold.name} must cover every row exactly once`);
  assert.deepEqual(foldDefinitionSchema.parse(JSON.parse(JSON.stringify(fold))), fold);
}

function assertSpeakerIndependent(fold: FoldDefinition, rows: readonly FoldRow[]): void {
  const train = new Set(fold.trainIndices.map((i) => rows[i]?.speaker));
  const test = new Set(fold.testIndices.map((i) => rows[i]?.speaker));
  assert.deepEqual([...test].filter((s) => train.has(s)), [], `${fold.name} has a speaker on both sides`);
  assert.deepEqual([...test].sort(), fold.testSpeakers);
}

const isInputError = (reason: RegExp) => (err: unknown): boolean => err instanceof InputError && reason.test(err.details.reason);

describe('folds on EMO-DB (paper\'s five classes)', async () => {
  const rows = await readEmodbCorpus('/work/shared/emodb/wav');

  it('leave-one-speaker-out gives 10 speaker-independent folds that each test one speaker', () => {
    const folds = leaveOneSpeakerOut(rows);
    assert.equal(folds.length, 10);
    for (const f of folds) {
      assertPartition(f, rows);
      assertSpeakerIndependent(f, rows);
      assert.equal(f.testSpeakers.length, 1);
    }
    assert.equal(folds.reduce((n, f) => n + f.testIndices.length, 0), 408);
    assert.deepEqual(folds.map((f) => f.testSpeakers[0]), ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16']);
  });

  it('grouped k-fold: speaker-independent, each speaker tested once, deterministic from the seed', () => {
    const a = groupedKFold(rows, { k: 5, seed: 7 });
    assert.equal(a.length, 5);
    for (const f of a) {
      assertPartition(f, rows);
      assertSpeakerIndependent(f, rows);
    }
    assert.deepEqual(a.flatMap((f) => f.testSpeakers).sort(), [...new Set(rows.map((r) => r.speaker))].sort());
    assert.deepEqual(groupedKFold(rows, { k: 5, seed: 7 }), a);
    const others = [8, 9, 10, 11].map((seed) => JSON.stringify(groupedKFold(rows, { k: 5, seed }).map((f) => f.testSpeakers)));
    assert.ok(others.some((o) => o !== JSON.stringify(a.map((f) => f.testSpeakers))), 'the seed must matter');
    const sizes = a.map((f) => f.testIndices.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) < 60, `fold sizes ${sizes.join(',')} are unbalanced`);
  });

  it('stratified split keeps class proportions and is deterministic from the seed', () => {
    const s = stratifiedSplit(rows, { testFraction: 0.2, seed: 3 });
    assertPartition(s, rows);
    const count = (idx: number[], label: string) => idx.filter((i) => rows[i]?.label === label).length;
    for (const [label, n] of [['anger', 127], ['fear', 69], ['happiness', 71], ['sadness', 62], ['neutral', 79]] as const) {
      assert.equal(count(s.testIndices, label), Math.round(n * 0.2), label);
    }
    assert.deepEqual(stratifiedSplit(rows, { testFraction: 0.2, seed: 3 }), s);
    assert.notDeepEqual(stratifiedSplit(rows, { testFraction: 0.2, seed: 4 }).testIndices, s.testIndices);
    assert.ok(s.testSpeakers.length > 1);
  });
});

describe('buildFolds: the protocol\'s folds spec', () => {
  const rows: FoldRow[] = ['s1', 's2', 's3', 's4', 's5'].flatMap((speaker) => ['a', 'b', 'a', 'b'].map((label) => ({ label, speaker })));

  it('dispatches on the kind, the seeded kinds drawing from deriveSeed(seed, "folds")', () => {
    assert.deepEqual(buildFolds(rows, { kind: 'loso' }, { seed: 3 }), leaveOneSpeakerOut(rows));
    assert.deepEqual(buildFolds(rows, { kind: 'grouped-kfold', k: 3 }, { seed: 3 }), groupedKFold(rows, { k: 3, seed: deriveSeed(3, 'folds') }));
    assert.deepEqual(buildFolds(rows, { kind: 'stratified', testFraction: 0.25 }, { seed: 3 }), [stratifiedSplit(rows, { testFraction: 0.25, seed: deriveSeed(3, 'folds') })]);
  });

  it('keeps the first maxFolds folds, all when absent', () => {
    assert.deepEqual(buildFolds(rows, { kind: 'loso' }, { seed: 1, maxFolds: 2 }).map((f) => f.name), ['speaker-s1', 'speaker-s2']);
    assert.equal(buildFolds(rows, { kind: 'loso' }, { seed: 1, maxFolds: 9 }).length, 5);
  });

  it('the spec schema refuses unknown kinds and out-of-range parameters', () => {
    assert.equal(foldsSpecSchema.safeParse({ kind: 'kfold', k: 3 }).success, false);
    assert.equal(foldsSpecSchema.safeParse({ kind: 'grouped-kfold', k: 1 }).success, false);
    assert.equal(foldsSpecSchema.safeParse({ kind: 'stratified', testFraction: 1 }).success, false);
  });
});

describe('fold errors', () => {
  const rows: FoldRow[] = [
    { label: 'a', speaker: 's1' }, { label: 'b', speaker: 's1' },
    { label: 'a', speaker: 's2' }, { label: 'b', speaker: 's2' },
    { label: 'c', speaker: 's3' }, { label: 'a', speaker: 's3' },
  ];

  it('a test label never seen in training is an InputError', () => {
    assert.throws(() => leaveOneSpeakerOut(rows), isInputError(/test label\(s\) c never seen in training/));
    assert.doesNotThrow(() => leaveOneSpeakerOut(rows.slice(0, 4)));
  });

  it('empty folds and bad k are InputErrors', () => {
    assert.throws(() => leaveOneSpeakerOut([{ label: 'a', speaker: 's1' }]), isInputError(/training side is empty/));
    assert.throws(() => leaveOneSpeakerOut([]), isInputError(/no rows/));
    assert.throws(() => groupedKFold(rows.slice(0, 4), { k: 3, seed: 1 }), isInputError(/k must be/));
    assert.throws(() => groupedKFold(rows.slice(0, 4), { k: 1, seed: 1 }), isInputError(/k must be/));
    assert.throws(() => checkFold({ name: 'x', trainIndices: [0], testIndices: [], testSpeakers: [] }, rows), isInputError(/test side is empty/));
    assert.throws(() => checkFold({ name: 'x', trainIndices: [0, 1], testIndices: [1], testSpeakers: [] }, rows), isInputError(/both in training and in test/));
    assert.throws(() => stratifiedSplit(rows, { testFraction: 1, seed: 1 }), isInputError(/between 0 and 1/));
    assert.throws(() => stratifiedSplit([{ label: 'a', speaker: '' }], { testFraction: 0.5, seed: 1 }), isInputError(/no speaker/));
  });

  it('a class with a single row stays in training in a stratified split', () => {
    const s = stratifiedSplit(rows, { testFraction: 0.5, seed: 1 });
    assert.ok(s.trainIndices.includes(4));
  });
});

describe('speaker hold-out (early-stopping validation rows)', () => {
  // Eight speakers of unequal size, rows interleaved.
  const sizes = [40, 35, 50, 20, 45, 38, 42, 30];
  const speakers = sizes.flatMap((n, s) => Array.from({ length: n }, () => `spk${s}`));
  const interleaved = new Rng(5).shuffle([...speakers]);

  it('holds out whole speakers only, about the fraction of the rows, and leaves the rest to fit', () => {
    for (const fraction of [0.1, 0.2, 0.3]) {
      const h = speakerHoldout(interleaved, fraction, 7);
      assert.deepEqual([...h.fitRows, ...h.validationRows].sort((a, b) => a - b), interleaved.map((_, i) => i), 'a partition of the rows');
      const held = new Set(h.validationRows.map((i) => interleaved[i]));
      assert.deepEqual([...held].sort(), h.validationSpeakers);
      assert.ok(h.fitRows.every((i) => !held.has(interleaved[i] as string)), 'no held-out speaker keeps a row in fitting');
      assert.equal(h.validationRows.length, h.validationSpeakers.reduce((n, s) => n + interleaved.filter((x) => x === s).length, 0), 'every row of a held-out speaker');
      const target = fraction * interleaved.length;
      assert.ok(Math.abs(h.validationRows.length - target) <= Math.max(...sizes) / 2 + 1, `${h.validationRows.length} rows held out for a target of ${target}`);
    }
  });

  it('is deterministic in its seed, independent of row order, and varies with the seed', () => {
    const a = speakerHoldout(interleaved, 0.2, 7);
    assert.deepEqual(speakerHoldout(interleaved, 0.2, 7), a);
    assert.deepEqual(speakerHoldout(speakers, 0.2, 7).validationSpeakers, a.validationSpeakers, 'the same speakers whatever the row order');
    const drawn = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => speakerHoldout(interleaved, 0.2, seed).validationSpeakers.join(',')));
    assert.ok(drawn.size > 2, `only ${drawn.size} different hold-outs over 8 seeds`);
  });

  it('always keeps a speaker to fit on, and refuses a single speaker', () => {
    const two = ['a', 'a', 'a', 'b'];
    assert.deepEqual(speakerHoldout(two, 0.45, 3).fitRows.length > 0, true);
    assert.throws(() => speakerHoldout(['a', 'a', 'a'], 0.1, 1), isInputError(/1 speaker/));
    assert.throws(() => speakerHoldout(two, 0, 1), isInputError(/not in \(0, 1\)/));
  });
});

describe('fold sets', () => {
  it('give the speaker of every training row, in training-row order', () => {
    const meta = [
      { file: 'a', label: 'x', speaker: 's1' }, { file: 'b', label: 'y', speaker: 's2' },
      { file: 'c', label: 'x', speaker: 's3' }, { file: 'd', label: 'y', speaker: 's1' },
    ];
    const matrix = { rows: 4, cols: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), columns: ['f1', 'f2'], meta };
    const sets = foldSets(matrix, { name: 'f', trainIndices: [3, 0, 2], testIndices: [1], testSpeakers: ['s2'] }, ['x', 'y']);
    assert.deepEqual(sets.trainSpeakers, ['s1', 's1', 's3']);
    assert.deepEqual(Array.from(sets.train.y), [1, 0, 0]);
  });

  it('normalises sequences per band over the training rows\' real frames, leaving padding at 0, and carries the frame counts', () => {
    // Two bands, up to 3 frames. Row 1 (test) has band values far off, and a padded frame.
    const meta = [
      { file: 'a', label: 'x', speaker: 's1', frames: 3 }, { file: 'b', label: 'y', speaker: 's2', frames: 1 },
      { file: 'c', label: 'y', speaker: 's3', frames: 1 },
    ];
    const data = Float32Array.from([1, 10, 2, 20, 3, 30, 500, 900, 0, 0, 0, 0, 2, 20, 0, 0, 0, 0]);
    const matrix = { rows: 3, cols: 6, data, columns: ['mel0', 'mel1'], meta, shape: { kind: 'sequence' as const, frames: 3, bands: 2 } };
    const sets = foldSets(matrix, { name: 'f', trainIndices: [0, 2], testIndices: [1], testSpeakers: ['s2'] }, ['x', 'y']);
    // Band 0 over the 4 real training frames (1, 2, 3, 2): mean 2, std sqrt(0.5); band 1: mean 20, std sqrt(50).
    const [s0, s1] = [Math.sqrt(0.5), Math.sqrt(50)];
    const expected = [-1 / s0, -10 / s1, 0, 0, 1 / s0, 10 / s1, 0, 0, 0, 0, 0, 0].map(Math.fround);
    assert.deepEqual(Array.from(sets.train.x), expected);
    assert.deepEqual(Array.from(sets.test.x), [498 / s0, 880 / s1, 0, 0, 0, 0].map(Math.fround));
    assert.deepEqual(sets.train.sequence, { frames: 3, bands: 2, lengths: Int32Array.from([3, 1]) });
    assert.deepEqual(sets.test.sequence, { frames: 3, bands: 2, lengths: Int32Array.from([1]) });
  });
});
