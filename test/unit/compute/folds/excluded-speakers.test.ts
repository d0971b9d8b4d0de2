/**
 * Folds without a sweep's held-out speakers (protocol.excludeSpeakers, compute/folds/excluded-speakers.ts)
 * and the one fold of its final run (`folds: { kind: fixed }`, compute/folds/fixed-speakers.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFolds, foldsSpecSchema } from '../../../../compute/folds/build-folds';
import type { FoldRow } from '../../../../compute/folds/fold-definition';
import { InputError } from '../../../../foundation/errors';

/** Six speakers, two labels each, three rows per speaker, interleaved (so indices of a speaker are not contiguous). */
const rows: FoldRow[] = Array.from({ length: 18 }, (_, i) => ({ speaker: `s${i % 6}`, label: i % 2 === 0 ? 'anger' : 'neutral' }));
const excluded = ['s1', 's4'];
const speakerOf = (i: number) => (rows[i] as FoldRow).speaker;

describe('folds without excluded speakers', () => {
  for (const spec of [{ kind: 'loso' }, { kind: 'grouped-kfold', k: 2 }, { kind: 'stratified', testFraction: 0.25 }] as const) {
    it(`${spec.kind}: no fold trains or tests on a row of an excluded speaker, and every other row is in each fold`, () => {
      const folds = buildFolds(rows, spec, { seed: 5, excludeSpeakers: excluded });
      assert.ok(folds.length > 0);
      const kept = rows.map((_, i) => i).filter((i) => !excluded.includes(speakerOf(i)));
      for (const f of folds) {
        const all = [...f.trainIndices, ...f.testIndices];
        assert.deepEqual(all.filter((i) => excluded.includes(speakerOf(i))), [], `${f.name} holds a row of an excluded speaker`);
        assert.deepEqual([...all].sort((a, b) => a - b), kept, `${f.name} covers every kept row once`);
        assert.ok(f.testSpeakers.every((s) => !excluded.includes(s)));
      }
    });
  }

  it('loso without two speakers is loso over the other four, with the matrix\'s row indices', () => {
    const folds = buildFolds(rows, { kind: 'loso' }, { seed: 5, excludeSpeakers: excluded });
    assert.deepEqual(folds.map((f) => f.name), ['speaker-s0', 'speaker-s2', 'speaker-s3', 'speaker-s5']);
    assert.deepEqual(folds[0]?.testIndices, [0, 6, 12]);
  });

  it('an excluded speaker the corpus does not have is an InputError naming it and the speakers there are', () => {
    assert.throws(() => buildFolds(rows, { kind: 'loso' }, { seed: 5, excludeSpeakers: ['s9'] }),
      (e: unknown) => e instanceof InputError && /protocol\.excludeSpeakers: speaker\(s\) s9 not in the corpus.*s0, s1, s2, s3, s4, s5/s.test(e.message));
  });
});

describe('a fixed fold', () => {
  it('tests on exactly the named speakers and trains on every other row', () => {
    const [fold, ...more] = buildFolds(rows, foldsSpecSchema.parse({ kind: 'fixed', testSpeakers: ['s4', 's1'] }), { seed: 5 });
    assert.deepEqual(more, []);
    assert.equal(fold?.name, 'speakers-s1+s4');
    assert.deepEqual(fold?.testSpeakers, ['s1', 's4']);
    assert.deepEqual(fold?.testIndices.map(speakerOf).sort(), ['s1', 's1', 's1', 's4', 's4', 's4']);
    assert.equal(fold?.trainIndices.length, 12);
    assert.ok(fold?.trainIndices.every((i) => !['s1', 's4'].includes(speakerOf(i))));
  });

  it('names an unknown test speaker', () => {
    assert.throws(() => buildFolds(rows, { kind: 'fixed', testSpeakers: ['x'] }, { seed: 5 }), /protocol\.folds\.testSpeakers: speaker\(s\) x not in the corpus/);
  });
});
