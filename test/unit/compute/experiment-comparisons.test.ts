// Pre-declared comparisons (compute/experiment-comparisons.ts and the config's `comparisons`):
// which cell pairs a declaration expands to, Holm over the primary family only, exploratory rows
// without adjusted p, the default family when nothing is declared, config errors that name the
// field and the available names, and the MLflow metric keys the activity logs them under.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonMetrics } from '../../../activities/tracking-activities';
import {
  compareCells, comparisonSettingsSchema, describeComparisonDesign, planComparisons, renderComparisonsMarkdown, type ComparisonResult,
} from '../../../compute/experiment-comparisons';
import { planCells } from '../../../configs/experiment-plan';
import { formatZodError } from '../../../configs/load/format-zod-error';
import { comparisonSchema, experimentSchema, type ExperimentConfigInput } from '../../../configs/schema/experiment';
import { keyProblem } from '../../../tracking/mlflow-keys';

function configInput(overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfigInput {
  return {
    name: 'comparisons',
    corpus: { kind: 'emodb', path: 'wav' },
    features: { extractor: 'table', path: 'features.csv' },
    methods: ['none', 'smote', { method: 'cyclegan', loss: 'ce' }, { method: 'cyclegan', loss: 'wdiv' }],
    amounts: [0.5, 1],
    classifiers: ['svm', 'dnn'],
    ...overrides,
  };
}

const DECLARED = [
  { a: 'cyclegan-wdiv', b: 'none' },
  { a: 'cyclegan-wdiv', b: 'cyclegan-ce' },
  { a: 'cyclegan-wdiv', b: 'smote', classifier: 'svm' as const, amount: 1 },
];

const config = experimentSchema.parse(configInput({ comparisons: DECLARED }));
const cells = planCells(config);
const FOLDS = Array.from({ length: 10 }, (_, f) => `speaker-${f}`);

/** Per-fold UARs: cycle-GAN + wdiv beats everything on every fold; smote and ce are mixed. */
const foldUar: Record<string, Record<string, number>> = Object.fromEntries(cells.map((c) => [c.id, Object.fromEntries(FOLDS.map((fold, f) => {
  const base = 0.55 + f / 100;
  const gain = c.method === 'cyclegan-wdiv' ? 0.05 + f / 1000 : c.method === 'cyclegan-ce' ? (f % 2 ? 0.01 : -0.012) : c.method === 'smote' ? (f - 4.5) / 1000 : 0;
  return [fold, base + gain];
}))]));

const primary = (r: { comparisons: ComparisonResult[] }) => r.comparisons.filter((c) => c.role === 'primary');

describe('comparisons', () => {
  it('a declaration expands over classifiers and shared amounts; none pairs with every amount; the rest is exploratory', () => {
    const plan = planComparisons(cells, config.comparisons);
    assert.equal(plan.preDeclared, true);
    assert.deepEqual(plan.comparisons.filter((c) => c.role === 'primary').map((c) => c.id), [
      'cyclegan-wdiv_vs_none/svm/ratio-0.5', 'cyclegan-wdiv_vs_none/svm/ratio-1', 'cyclegan-wdiv_vs_none/dnn/ratio-0.5', 'cyclegan-wdiv_vs_none/dnn/ratio-1',
      'cyclegan-wdiv_vs_cyclegan-ce/svm/ratio-0.5', 'cyclegan-wdiv_vs_cyclegan-ce/svm/ratio-1', 'cyclegan-wdiv_vs_cyclegan-ce/dnn/ratio-0.5', 'cyclegan-wdiv_vs_cyclegan-ce/dnn/ratio-1',
      'cyclegan-wdiv_vs_smote/svm/ratio-1',
    ]);
    const exploratory = plan.comparisons.filter((c) => c.role === 'exploratory');
    assert.equal(exploratory.length, 8, 'smote and cyclegan-ce, 2 amounts x 2 classifiers, each vs none');
    assert.ok(exploratory.every((c) => c.b === 'none' && c.cellB === `none/${c.classifier}`));
    assert.deepEqual(plan.comparisons.find((c) => c.id === 'cyclegan-wdiv_vs_smote/svm/ratio-1'), {
      id: 'cyclegan-wdiv_vs_smote/svm/ratio-1', role: 'primary', a: 'cyclegan-wdiv', b: 'smote', classifier: 'svm', amount: 'ratio-1',
      cellA: 'cyclegan-wdiv/ratio-1/svm', cellB: 'smote/ratio-1/svm',
    });
  });

  it('Holm runs over the primary comparisons only; exploratory ones have a raw p and no adjusted p', () => {
    const result = compareCells({ cells, foldUar, requests: config.comparisons, seed: 7 });
    assert.equal(result.primaryCount, 9, 'the family is the declared comparisons, not the 17 computed');
    assert.equal(primary(result).length, 9);
    const best = result.comparisons.find((c) => c.id === 'cyclegan-wdiv_vs_none/svm/ratio-1');
    assert.equal(best?.pRaw, 2 / 1024, 'better on all 10 folds');
    assert.equal(best?.pHolm, 9 * (2 / 1024));
    assert.equal(best?.significant, true);
    assert.equal(result.smallestP, 2 / 1024);
    assert.equal(result.smallestPHolm, 9 * (2 / 1024));
    for (const c of result.comparisons.filter((x) => x.role === 'exploratory')) {
      assert.equal(c.pHolm, null, c.id);
      assert.equal(c.significant, null, c.id);
      assert.ok(c.pRaw > 0 && c.pRaw <= 1);
    }
    // Δ: a - b per fold; wdiv - none = 0.05 + f/1000: median 0.0545, mean 0.0545.
    assert.ok(Math.abs((best?.deltaMedian ?? 0) - 0.0545) < 1e-12);
    assert.ok(Math.abs((best?.deltaMean ?? 0) - 0.0545) < 1e-12);
    assert.ok((best?.ci.low ?? 0) >= 0.05 && (best?.ci.high ?? 1) <= 0.059 && (best?.ci.low ?? 1) <= 0.0545);
    assert.deepEqual(compareCells({ cells, foldUar, requests: config.comparisons, seed: 7 }), result, 'deterministic: the activity and the report agree');
  });

  it('without declarations every augmented cell vs none is primary, and the report says so', () => {
    const plain = experimentSchema.parse(configInput());
    assert.equal(plain.comparisons, undefined, 'no default in the config: its hash does not change');
    const result = compareCells({ cells: planCells(plain), foldUar, seed: 7 });
    assert.equal(result.preDeclared, false);
    assert.equal(result.primaryCount, 12);
    assert.equal(result.comparisons.filter((c) => c.role === 'exploratory').length, 0);
    const sentence = describeComparisonDesign(result);
    assert.match(sentence, /not pre-declared/);
    assert.match(sentence, /2\/2\^10 = 0\.00195/);
    assert.match(sentence, /12 x 0\.00195 = 0\.023/);
  });

  it('the design sentence says when no primary comparison can be significant (paper.yaml: 40 cells, 10 folds)', () => {
    const wide = experimentSchema.parse(configInput({ methods: ['none', 'duplicate', 'noise', 'smote', { method: 'cyclegan', loss: 'ce' }, { method: 'cyclegan', loss: 'wdiv' }], amounts: [0.25, 0.5, 1, 2] }));
    const wideCells = planCells(wide);
    const uar = Object.fromEntries(wideCells.map((c) => [c.id, Object.fromEntries(FOLDS.map((f, i) => [f, 0.6 + (c.method === 'none' ? 0 : 0.01 + i / 1000)]))]));
    const result = compareCells({ cells: wideCells, foldUar: uar, seed: 7, resamples: 200 });
    assert.equal(result.primaryCount, 40);
    assert.equal(result.smallestPHolm, 0.078125);
    assert.ok(primary(result).every((c) => c.significant === false), 'better on every fold, and still not significant');
    assert.match(describeComparisonDesign(result), /0\.078 after Holm over the 40 .*no primary comparison can be significant/);
    const md = renderComparisonsMarkdown(result);
    assert.match(md, /\| primary \| cyclegan-wdiv \| none \| DNN \| ratio-2 \| 10 \|/);
  });

  it('a pair is compared once, in the orientation first declared', () => {
    const plan = planComparisons(cells, [{ a: 'none', b: 'smote', classifier: 'svm' }, { a: 'smote', b: 'none' }]);
    const smote = plan.comparisons.filter((c) => c.cellA.startsWith('smote') || c.cellB.startsWith('smote'));
    assert.deepEqual(smote.map((c) => `${c.role} ${c.id}`), [
      'primary none_vs_smote/svm/ratio-0.5', 'primary none_vs_smote/svm/ratio-1', 'primary smote_vs_none/dnn/ratio-0.5', 'primary smote_vs_none/dnn/ratio-1',
    ]);
  });

  it('a cell without results is skipped and named, and is not in the Holm family', () => {
    const { 'cyclegan-wdiv/ratio-1/dnn': _dropped, ...partial } = foldUar;
    const result = compareCells({ cells, foldUar: partial, requests: config.comparisons, seed: 7 });
    assert.equal(result.primaryCount, 7);
    assert.deepEqual(result.skipped.map((s) => s.id), ['cyclegan-wdiv_vs_none/dnn/ratio-1', 'cyclegan-wdiv_vs_cyclegan-ce/dnn/ratio-1']);
    assert.match(result.skipped[0]?.reason ?? '', /no results for cyclegan-wdiv\/ratio-1\/dnn/);
  });
});

describe('the config\'s comparisons', () => {
  it('a name that is not a method of the config is a config error naming the field and the available names', () => {
    const parsed = experimentSchema.safeParse(configInput({ comparisons: [{ a: 'cyclegan-wdiv', b: 'none' }, { a: 'cyclegan-wdv', b: 'none' }] }));
    assert.equal(parsed.success, false);
    const text = formatZodError('configs/x.yaml', parsed.error as never);
    assert.equal(text, 'configs/x.yaml: comparisons.1.a: "cyclegan-wdv" is not a method of this experiment (available: "none", "smote", "cyclegan-ce", "cyclegan-wdiv")');
  });

  it('classifiers, amounts and self-comparisons are checked against the config, every problem at once', () => {
    const parsed = experimentSchema.safeParse(configInput({ classifiers: ['svm'], comparisons: [{ a: 'smote', b: 'smote', classifier: 'dnn', amount: 'balance' }] }));
    assert.equal(parsed.success, false);
    const lines = formatZodError('x.yaml', parsed.error as never).split('\n');
    assert.deepEqual(lines.map((l) => l.split(': ')[1]), ['comparisons.0.b', 'comparisons.0.classifier', 'comparisons.0.amount']);
    assert.match(lines[2] ?? '', /"balance" is not an amount of this experiment \(available: "ratio-0.5", "ratio-1"\)/);
  });

  it('an amount is written as in `amounts` or as its label, and a recorded config reads back', () => {
    assert.deepEqual(comparisonSchema.parse({ a: 'x', b: 'y', amount: 1 }), { a: 'x', b: 'y', amount: 'ratio-1' });
    assert.deepEqual(comparisonSchema.parse({ a: 'x', b: 'y', amount: 'balance' }), { a: 'x', b: 'y', amount: 'balance' });
    assert.deepEqual(comparisonSchema.parse(comparisonSchema.parse({ a: 'x', b: 'y', amount: 0.5 })), { a: 'x', b: 'y', amount: 'ratio-0.5' });
    const recorded = comparisonSettingsSchema.parse(JSON.parse(JSON.stringify(config)));
    assert.deepEqual(recorded.comparisons, config.comparisons);
    assert.equal(recorded.protocol.seed, config.protocol.seed);
  });

  it('a recorded declaration that names no method of the experiment is an InputError naming the field', () => {
    assert.throws(() => planComparisons(cells, [{ a: 'none', b: 'gan' }]), /comparisons\.0\.b: "gan" is not a method of this experiment/);
  });
});

describe('comparison metrics on the parent run', () => {
  it('comparison/<a>_vs_<b>/<classifier>/<amount>/<name>, valid MLflow keys, p_holm for primary comparisons only', () => {
    const result = compareCells({ cells, foldUar, requests: config.comparisons, seed: 7, resamples: 100 });
    const first = primary(result)[0] as ComparisonResult;
    assert.deepEqual(comparisonMetrics(first).map((m) => m.key), ['delta_median', 'ci_low', 'ci_high', 'delta_mean', 'p_raw', 'p_holm'].map((n) => `comparison/cyclegan-wdiv_vs_none/svm/ratio-0.5/${n}`));
    const exploratory = result.comparisons.find((c) => c.role === 'exploratory') as ComparisonResult;
    assert.ok(!comparisonMetrics(exploratory).some((m) => m.key.endsWith('/p_holm')));
    assert.ok(comparisonMetrics(first).every((m) => m.step === 0 && Number.isFinite(m.value)));
    // A method may be called "gan..v2" (the config's name rule allows it); MLflow refuses ".." in keys.
    const odd = comparisonMetrics({ ...first, id: 'gan..v2_vs_none/svm/ratio-0.5' });
    assert.equal(odd[0]?.key, 'comparison/gan__v2_vs_none/svm/ratio-0.5/delta_median');
    for (const m of result.comparisons.flatMap(comparisonMetrics).concat(odd)) assert.equal(keyProblem(m.key), undefined, m.key);
  });
});
