import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { additionsPerClass, classCounts, ratioSchedule } from '../../../../compute/augment/amount';
import { applyAugmentation } from '../../../../compute/augment/apply-augmentation';
import type { ClassConditionalGenerator } from '../../../../compute/augment/class-conditional-generator';
import { augmentationSpecSchema } from '../../../../compute/augment/augmentation-spec';
import { duplicateSamples } from '../../../../compute/augment/duplicate';
import { addGaussianNoise } from '../../../../compute/augment/gaussian-noise';
import { smote } from '../../../../compute/augment/smote';
import { InputError, NumericalError } from '../../../../foundation/errors';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { deriveSeed } from '../../../../compute/random';
import { gaussianClasses } from '../../../support/synthetic-classes';

const set = gaussianClasses({ perClass: [12, 5, 8], cols: 6, seed: 3 });

function row(s: LabelledSet, i: number): Float32Array {
  return s.x.subarray(i * s.cols, (i + 1) * s.cols);
}

function isInputErrorOn(field: string) {
  return (err: unknown): boolean => err instanceof InputError && (err.details.field ?? '').includes(field);
}

describe('amounts', () => {
  it('balance tops every class up to the largest', () => {
    assert.deepEqual(additionsPerClass(set, { mode: 'balance' }), [0, 7, 4]);
  });
  it('perClass adds n to every class', () => {
    assert.deepEqual(additionsPerClass(set, { mode: 'perClass', n: 3 }), [3, 3, 3]);
  });
  it('ratio shares ratio x rows in proportion to class sizes, summing exactly', () => {
    const added = additionsPerClass(set, { mode: 'ratio', ratio: 0.5 });
    assert.equal(added.reduce((a, b) => a + b, 0), Math.round(0.5 * 25));
    assert.deepEqual(added, [6, 3, 4]); // 13 shared: 6.24, 2.6, 4.16 -> floors 6, 2, 4, the one left to class 1
  });
  it('negative, NaN and absurd amounts are InputErrors naming the field', () => {
    assert.throws(() => additionsPerClass(set, { mode: 'ratio', ratio: -1 }), isInputErrorOn('ratio'));
    assert.throws(() => additionsPerClass(set, { mode: 'ratio', ratio: Number.NaN }), isInputErrorOn('ratio'));
    assert.throws(() => additionsPerClass(set, { mode: 'perClass', n: -2 }), isInputErrorOn('.n'));
    assert.throws(() => additionsPerClass(set, { mode: 'perClass', n: 1.5 }), isInputErrorOn('.n'));
    assert.throws(() => additionsPerClass(set, { mode: 'ratio', ratio: 101 }), isInputErrorOn('amount'));
  });
  it('a schedule for gradually added curves', () => {
    assert.deepEqual(ratioSchedule().map((a) => (a.mode === 'ratio' ? a.ratio : -1)), [0, 0.25, 0.5, 1, 2]);
    assert.throws(() => ratioSchedule([0, -0.5]), isInputErrorOn('schedule[1]'));
    assert.throws(() => ratioSchedule([1000]), isInputErrorOn('schedule[0]'));
  });
});

describe('augmentation spec', () => {
  it('fills defaults and refuses unknown fields', () => {
    assert.deepEqual(augmentationSpecSchema.parse({ method: 'smote' }), { method: 'smote', amount: { mode: 'balance' }, k: 5 });
    assert.deepEqual(augmentationSpecSchema.parse({ method: 'noise' }), { method: 'noise', amount: { mode: 'balance' }, sigma: 0.1 });
    assert.equal(augmentationSpecSchema.safeParse({ method: 'smote', kk: 5 }).success, false);
    assert.equal(augmentationSpecSchema.safeParse({ method: 'noise', sigma: -1 }).success, false);
    assert.equal(augmentationSpecSchema.safeParse({ method: 'duplicate', amount: { mode: 'ratio', ratio: -1 } }).success, false);
  });
  it('a cyclegan spec names its loss and balances by default', () => {
    assert.deepEqual(augmentationSpecSchema.parse({ method: 'cyclegan', loss: 'wdiv' }), { method: 'cyclegan', loss: 'wdiv', amount: { mode: 'balance' } });
    assert.equal(augmentationSpecSchema.safeParse({ method: 'cyclegan' }).success, false, 'the loss is required');
    assert.equal(augmentationSpecSchema.safeParse({ method: 'cyclegan', loss: 'mse' }).success, false);
  });
});

describe('duplicate', () => {
  it('appends exact copies of same-class rows, spread evenly, and reports them', () => {
    const { set: out, report } = duplicateSamples(set, { mode: 'balance' }, 5);
    assert.deepEqual(classCounts(out), [12, 12, 12]);
    assert.deepEqual(report.addedPerClass, { class0: 0, class1: 7, class2: 4 });
    assert.equal(report.rowsAfter, 36);
    assert.deepEqual(out.x.subarray(0, set.x.length), set.x, 'the real rows come first, unchanged');
    const uses = new Map<number, number>();
    for (let i = set.rows; i < out.rows; i++) {
      const src = Array.from({ length: set.rows }, (_, r) => r).find((r) => set.y[r] === out.y[i] && row(set, r).every((v, j) => v === row(out, i)[j]));
      assert.ok(src !== undefined, `row ${i} is not a copy of a real row of its class`);
      uses.set(src, (uses.get(src) ?? 0) + 1);
    }
    // class1 has 5 rows and gets 7 copies: every row used once or twice.
    for (let r = 0; r < set.rows; r++) if (set.y[r] === 1) assert.ok([1, 2].includes(uses.get(r) ?? 0));
  });
  it('same seed same rows; different seed different choice', () => {
    const a = duplicateSamples(set, { mode: 'perClass', n: 4 }, 1).set.x;
    assert.deepEqual(duplicateSamples(set, { mode: 'perClass', n: 4 }, 1).set.x, a);
    assert.notDeepEqual(duplicateSamples(set, { mode: 'perClass', n: 4 }, 2).set.x, a);
  });
});

describe('gaussian noise', () => {
  it('adds noise of the given sigma around same-class rows', () => {
    const big = gaussianClasses({ perClass: [40, 40], cols: 50, seed: 9 });
    const { set: out } = addGaussianNoise(big, { mode: 'perClass', n: 40 }, 0.2, 4);
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (let i = big.rows; i < out.rows; i++) {
      // nearest real row of the same class is the source
      let best = Infinity;
      let bestRow = -1;
      for (let r = 0; r < big.rows; r++) {
        if (big.y[r] !== out.y[i]) continue;
        const d = row(big, r).reduce((acc, v, j) => acc + (v - (row(out, i)[j] as number)) ** 2, 0);
        if (d < best) [best, bestRow] = [d, r];
      }
      row(out, i).forEach((v, j) => {
        const e = v - (row(big, bestRow)[j] as number);
        sum += e;
        sq += e * e;
        n++;
      });
    }
    const sd = Math.sqrt(sq / n - (sum / n) ** 2);
    assert.ok(Math.abs(sd - 0.2) < 0.01, `noise sd ${sd}`);
    assert.ok(Math.abs(sum / n) < 0.01, `noise mean ${sum / n}`);
  });
  it('rejects a bad sigma', () => {
    assert.throws(() => addGaussianNoise(set, { mode: 'balance' }, Number.NaN, 1), isInputErrorOn('sigma'));
  });
});

describe('SMOTE', () => {
  it('every synthetic sample lies on a segment between a real sample and one of its k nearest same-class neighbours', () => {
    const k = 3;
    const { set: out, report } = smote(set, { mode: 'perClass', n: 10 }, k, 8);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(classCounts(out), [22, 15, 18]);
    for (let i = set.rows; i < out.rows; i++) {
      const s = row(out, i);
      const members = Array.from({ length: set.rows }, (_, r) => r).filter((r) => set.y[r] === out.y[i]);
      const dist = (p: number, q: number): number => row(set, p).reduce((acc, v, j) => acc + (v - (row(set, q)[j] as number)) ** 2, 0);
      const found = members.some((a) => {
        const nn = members.filter((b) => b !== a).sort((p, q) => dist(a, p) - dist(a, q)).slice(0, k);
        return nn.some((b) => onSegment(row(set, a), row(set, b), s));
      });
      assert.ok(found, `synthetic row ${i} is not on a segment to a ${k}-nearest same-class neighbour`);
    }
  });
  it('lowers k for a small class, with a warning, and refuses a class of one', () => {
    const tiny = gaussianClasses({ perClass: [10, 3], cols: 4, seed: 2 });
    const { report } = smote(tiny, { mode: 'balance' }, 5, 1);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0] ?? '', /class1.*k = 2/);
    const single = gaussianClasses({ perClass: [10, 1], cols: 4, seed: 2 });
    assert.throws(() => smote(single, { mode: 'balance' }, 5, 1), (e: unknown) => e instanceof InputError && /at least 2 samples/.test(e.message));
  });
  it('is deterministic in its seed', () => {
    const a = smote(set, { mode: 'balance' }, 5, 3).set.x;
    assert.deepEqual(smote(set, { mode: 'balance' }, 5, 3).set.x, a);
    assert.notDeepEqual(smote(set, { mode: 'balance' }, 5, 4).set.x, a);
  });
});

describe('applyAugmentation', () => {
  it('none returns the training set untouched', () => {
    const { set: out, report } = applyAugmentation(set, { method: 'none' }, 1);
    assert.equal(out, set);
    assert.equal(report.rowsAfter, set.rows);
  });
  it('dispatches with the spec fields', () => {
    const { report } = applyAugmentation(set, augmentationSpecSchema.parse({ method: 'smote', amount: { mode: 'perClass', n: 2 } }), 1);
    assert.equal(report.method, 'smote');
    assert.equal(report.rowsAfter, set.rows + 6);
  });
  it('the sampling methods draw from deriveSeed(seed, "augmentation") of the evaluation seed', () => {
    const amount = { mode: 'perClass', n: 3 } as const;
    assert.deepEqual(applyAugmentation(set, { method: 'duplicate', amount }, 9).set, duplicateSamples(set, amount, deriveSeed(9, 'augmentation')).set);
    assert.deepEqual(applyAugmentation(set, { method: 'smote', amount, k: 2 }, 9).set, smote(set, amount, 2, deriveSeed(9, 'augmentation')).set);
  });
});

describe('cycle-GAN augmentation through applyAugmentation', () => {
  /** Rows of class c filled with c + 0.5, recording every request: enough to follow the plumbing. */
  function fakeGenerator(cols: number, fill: (classIndex: number) => number = (c) => c + 0.5) {
    const calls: { classIndex: number; count: number; seed: number }[] = [];
    const generator: ClassConditionalGenerator = {
      generate(classIndex, count, seed) {
        calls.push({ classIndex, count, seed });
        return { rows: count, cols, x: new Float32Array(count * cols).fill(fill(classIndex)), y: new Int32Array(count).fill(classIndex), classes: [...set.classes] };
      },
    };
    return { generator, calls };
  }

  it('appends the generator\'s rows class by class after the real ones, and reports them', () => {
    const { generator, calls } = fakeGenerator(set.cols);
    const spec = augmentationSpecSchema.parse({ method: 'cyclegan', loss: 'ce' });
    const { set: out, report } = applyAugmentation(set, spec, 41, { generator });
    assert.deepEqual(classCounts(out), [12, 12, 12]);
    assert.deepEqual(out.x.subarray(0, set.x.length), set.x, 'the real rows come first, unchanged');
    assert.deepEqual(Array.from(out.y.subarray(set.rows)), [...new Array(7).fill(1), ...new Array(4).fill(2)]);
    assert.ok(out.x.subarray(set.x.length, (set.rows + 7) * set.cols).every((v) => v === 1.5));
    assert.ok(out.x.subarray((set.rows + 7) * set.cols).every((v) => v === 2.5));
    assert.deepEqual(report, { method: 'cyclegan', addedPerClass: { class0: 0, class1: 7, class2: 4 }, rowsBefore: 25, rowsAfter: 36, warnings: [] });
    // Every class is asked (even for 0 rows), each with its own seed drawn straight from the evaluation seed.
    assert.deepEqual(calls, set.classes.map((name, c) => ({ classIndex: c, count: [0, 7, 4][c], seed: deriveSeed(41, 'cyclegan', name) })));
  });

  it('without a generator it is an InputError naming the field and the fix', () => {
    assert.throws(
      () => applyAugmentation(set, augmentationSpecSchema.parse({ method: 'cyclegan', loss: 'wdiv' }), 1),
      (e: unknown) => e instanceof InputError && e.details.field === 'generator' && /Fix: .*generator/.test(e.message),
    );
  });

  it('refuses generated rows that do not fit, and non-finite ones', () => {
    const spec = augmentationSpecSchema.parse({ method: 'cyclegan', loss: 'wdiv' });
    assert.throws(() => applyAugmentation(set, spec, 1, { generator: fakeGenerator(set.cols + 1).generator }), isInputErrorOn('generator'));
    assert.throws(() => applyAugmentation(set, spec, 1, { generator: fakeGenerator(set.cols, () => Number.NaN).generator }), (e: unknown) => e instanceof NumericalError && /class1/.test(e.message));
  });
});

/** s = a + u (b - a) for one u in [0, 1], up to float32 rounding. */
function onSegment(a: Float32Array, b: Float32Array, s: Float32Array): boolean {
  let num = 0;
  let den = 0;
  a.forEach((av, j) => {
    const d = (b[j] as number) - av;
    num += ((s[j] as number) - av) * d;
    den += d * d;
  });
  const u = den > 0 ? num / den : 0;
  if (u < -1e-6 || u > 1 + 1e-6) return false;
  return a.every((av, j) => Math.abs(av + u * ((b[j] as number) - av) - (s[j] as number)) < 1e-4);
}
