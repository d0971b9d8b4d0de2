import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { svmSpecSchema } from '../../../../compute/classify/classifier-spec';
import { LinearKernelGram, LinearSvm } from '../../../../compute/classify/linear-svm';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { gaussianClasses, splitEvery } from '../../../support/synthetic-classes';

const PYTHON = join(homedir(), '.cache/serflow/venv/bin/python');
const REFERENCE = join(__dirname, '..', '..', '..', 'reference', 'svm_reference.py');

describe('linear SVM', () => {
  it("defaults to scikit-learn's C = 1", () => {
    assert.equal(svmSpecSchema.parse({ kind: 'svm' }).C, 1);
    assert.equal(svmSpecSchema.safeParse({ kind: 'svm', C: 0 }).success, false);
    assert.equal(svmSpecSchema.safeParse({ kind: 'svm', c: 1 }).success, false);
  });

  it('separates Gaussian classes and is deterministic', async () => {
    const { train, test } = splitEvery(gaussianClasses({ perClass: [30, 20, 25, 15], cols: 10, separation: 4 }), 3);
    const svm = new LinearSvm();
    const a = await svm.fit(train, 1);
    const b = await svm.fit(train, 2);
    const pa = a.predict(test.x, test.rows);
    assert.deepEqual(b.predict(test.x, test.rows), pa);
    a.dispose();
    b.dispose();
    assert.ok(pa.filter((v, i) => v === test.y[i]).length / test.rows > 0.9);
    assert.throws(() => a.predict(test.x, test.rows), /after dispose/);
  });

  it('the precomputed Gram path predicts exactly what the linear-kernel path predicts, for every C', async () => {
    // Overlapping classes, so that the solution (and the predictions) depend on C.
    const { train, test } = splitEvery(gaussianClasses({ perClass: [60, 35, 45, 30, 40], cols: 40, separation: 0.3, seed: 21 }), 3);
    const gram = new LinearKernelGram(train);
    const seen = new Set<string>();
    for (const C of [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]) {
      const linear = await new LinearSvm({ C }).fit(train, 1);
      const precomputed = await gram.fit({ C });
      try {
        for (const set of [test, train]) assert.deepEqual(precomputed.predict(set.x, set.rows), linear.predict(set.x, set.rows), `C = ${C}`);
        seen.add(linear.predict(test.x, test.rows).join(''));
      } finally {
        linear.dispose();
        precomputed.dispose();
      }
    }
    assert.ok(seen.size >= 3, 'C changes the predictions on this data (the comparison is not vacuous)');
    assert.equal(gram.gram.length, train.rows * train.rows);
  });

  it("agrees with scikit-learn's SVC(kernel='linear') on overlapping classes", { skip: existsSync(PYTHON) ? false : `no ${PYTHON}` }, async () => {
    // Overlapping classes and more dimensions than a clean margin needs: the predictions depend on
    // the solver's solution, not just on the geometry.
    const data = gaussianClasses({ perClass: [60, 35, 45, 30, 40], cols: 40, separation: 0.3, seed: 21 });
    const { train, test } = splitEvery(data, 3);
    const model = await new LinearSvm({ C: 1 }).fit(train, 1);
    const ours = model.predict(test.x, test.rows);
    model.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'serflow-svm-'));
    try {
      writeFileSync(join(dir, 'train.tsv'), toTsv(train));
      writeFileSync(join(dir, 'test.tsv'), toTsv(test));
      const ref = JSON.parse(execFileSync(PYTHON, [REFERENCE, 'split', join(dir, 'train.tsv'), join(dir, 'test.tsv'), '1'], { encoding: 'utf8' })) as { predictions: number[] };
      const agree = ref.predictions.filter((p, i) => p === ours[i]).length;
      const accOurs = ours.filter((p, i) => p === test.y[i]).length / test.rows;
      assert.ok(accOurs < 0.98, `the task should not be trivially separable (accuracy ${accOurs})`);
      assert.ok(agree >= test.rows - 1, `only ${agree}/${test.rows} predictions agree with scikit-learn`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function toTsv(set: LabelledSet): string {
  const header = ['label', ...Array.from({ length: set.cols }, (_, j) => `f${j}`)].join('\t');
  const lines = Array.from({ length: set.rows }, (_, i) => [set.y[i], ...Array.from(set.x.subarray(i * set.cols, (i + 1) * set.cols), (v) => v.toPrecision(9))].join('\t'));
  return `${header}\n${lines.join('\n')}\n`;
}
