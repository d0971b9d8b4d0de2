// Two experiments lined up cell by cell (report/experiment-pair.ts, `serflow compare`): the side
// by side table with B − A, the per-fold paired statistics only when the folds match (computed by
// the experiments' own comparison code), every reason when they do not, the refusal of different
// corpora or class sets naming both values, and the Markdown, HTML and figure built from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareCells, pairedFoldDifference } from '../../../compute/experiment-comparisons';
import { deriveSeed } from '../../../compute/random';
import { InputError } from '../../../foundation/errors';
import { experimentPairSpec } from '../../../report/charts/experiment-pair-chart';
import type { CellMetrics } from '../../../report/experiment-record';
import { comparabilityProblems, matchFolds, pairExperiments, type ComparedExperiment } from '../../../report/experiment-pair';
import { pairHtmlSection, pairMarkdown } from '../../../report/experiment-pair-render';
import { speakersFromFoldName } from '../../../report/compared-experiment';
import { renderChart } from '../../../report/render-chart';
import type { ReportCell } from '../../../report/results-schema';

const SPEAKERS = ['03', '08', '09', '10', '11', '12'];
const CLASSES = ['anger', 'neutral', 'sadness'];

function cell(method: string, amount: string, classifier = 'svm'): ReportCell {
  return {
    id: amount === '-' ? `${method}/${classifier}` : `${method}/${amount}/${classifier}`, method, amount, classifier,
    augmentation: { method: method === 'none' ? 'none' : method },
  };
}

/**
 * An experiment over LOSO folds of SPEAKERS: each cell's fold UAR is `level(cell) + fold / 100`
 * (plus `shift` for B-like runs), its means those of the folds.
 */
function experiment(runId: string, options: { cells?: ReportCell[]; shift?: (cellId: string, fold: number) => number; config?: unknown } = {}): ComparedExperiment {
  const cells = options.cells ?? [cell('none', '-'), cell('smote', 'ratio-1')];
  const folds = SPEAKERS.map((s) => ({ name: `speaker-${s}`, testSpeakers: [s] }));
  const foldUar = Object.fromEntries(cells.map((c) => [c.id, Object.fromEntries(folds.map((f, i) => [f.name, 0.5 + (c.method === 'none' ? 0 : 0.05) + i / 100 + (options.shift?.(c.id, i) ?? 0)]))]));
  const metrics = Object.fromEntries(cells.map((c): [string, CellMetrics] => {
    const values = Object.values(foldUar[c.id] as Record<string, number>);
    const uar = values.reduce((s, v) => s + v, 0) / values.length;
    return [c.id, { waMean: uar + 0.02, waStd: 0.01, uarMean: uar, uarStd: 0.02, source: 'mlflow' }];
  }));
  return {
    runId, name: `run-${runId}`, gitCommit: 'abc1234def', corpus: { kind: 'emodb', path: 'wav', contentHash: 'f'.repeat(64) },
    classes: CLASSES, features: 'opensmile:eGeMAPSv02', cells, metrics, foldUar, repeats: [0, 1], folds, excludedSpeakers: [],
    config: options.config ?? { name: runId, svm: { C: 1 }, protocol: { seed: 7 } },
  };
}

const a = experiment('a'.repeat(32));
// B: smote gains 2 points on every fold but the first; none is unchanged.
const b = experiment('b'.repeat(32), { shift: (id, fold) => (id.startsWith('smote') && fold > 0 ? 0.02 : 0), config: { name: 'b', svm: { C: 4 }, protocol: { seed: 7 } } });

describe('two experiments on the same folds', () => {
  const pair = pairExperiments(a, b);

  it('line up cell by cell, with B − A of the means and the config differences', () => {
    assert.deepEqual(pair.rows.map((r) => r.cellId), ['none/svm', 'smote/ratio-1/svm']);
    const smote = pair.rows[1];
    assert.ok(smote?.delta && Math.abs(smote.delta.uar - (0.02 * 5) / 6) < 1e-12, 'mean of five folds 2 points better, one equal');
    assert.ok(Math.abs((smote?.delta?.wa ?? 0) - (0.02 * 5) / 6) < 1e-12);
    assert.equal(pair.rows[0]?.delta?.uar, 0);
    assert.deepEqual(pair.config, { recorded: true, differences: [{ path: 'svm.C', a: 1, b: 4 }], notCompared: ['name', 'description', 'tracking.experiment'] });
    assert.equal(pair.sameCommit, true);
    assert.deepEqual(pair.folds, { matched: true, folds: SPEAKERS.map((s) => `speaker-${s}`), repeats: 2, heldOut: [] });
  });

  it('pair each cell by fold with the code of an experiment\'s own comparisons, Holm over the cells compared', () => {
    const smote = pair.rows[1]?.paired;
    assert.ok(smote);
    const [first, second] = [a.runId, b.runId].sort() as [string, string];
    const expected = pairedFoldDifference(b.foldUar['smote/ratio-1/svm'] as Record<string, number>, a.foldUar['smote/ratio-1/svm'] as Record<string, number>, {
      seed: deriveSeed(1, 'experiment-pair-bootstrap', first, second, 'smote/ratio-1/svm'),
    });
    assert.deepEqual({ ...smote, pHolm: undefined, significant: undefined }, { ...expected, pHolm: undefined, significant: undefined });
    // The same numbers as compareCells gives for the two as cells of one experiment (seeds aside).
    const asCells = compareCells({
      cells: [{ ...cell('smote', 'ratio-1'), id: 'b' }, { ...cell('none', '-'), id: 'a' }],
      foldUar: { b: b.foldUar['smote/ratio-1/svm'] as Record<string, number>, a: a.foldUar['smote/ratio-1/svm'] as Record<string, number> }, seed: 7,
    }).comparisons[0];
    assert.equal(asCells?.pRaw, smote.pRaw);
    assert.equal(asCells?.deltaMedian, smote.deltaMedian);
    assert.equal(asCells?.wPlus, smote.wPlus);
    // Five folds better, one tied: exact two-sided p = 2/2^5; Holm over the two cells compared.
    assert.equal(smote.folds, 6);
    assert.equal(smote.zeros, 1);
    assert.equal(smote.pRaw, 2 / 32);
    assert.equal(smote.pHolm, 2 * (2 / 32));
    assert.equal(smote.significant, false);
    assert.ok(Math.abs(smote.deltaMedian - 0.02) < 1e-12);
    const none = pair.rows[0]?.paired;
    assert.equal(none?.zeros, 6, 'an unchanged cell: every fold ties');
    assert.equal(none?.pRaw, 1);
    assert.deepEqual(pair.paired && { family: pair.paired.family, smallestP: pair.paired.smallestP, smallestPHolm: pair.paired.smallestPHolm }, { family: 2, smallestP: 2 / 64, smallestPHolm: 4 / 64 });
  });

  it('give the mirror image when A and B swap: the bootstrap is seeded by the two runs in either order', () => {
    // Every fold a different gain, and few resamples: another seed would move the interval.
    const uneven = experiment('c'.repeat(32), { shift: (id, fold) => (id.startsWith('smote') ? [0.013, -0.004, 0.021, 0.007, -0.011, 0.018][fold] as number : 0) });
    const forward = pairExperiments(a, uneven, { resamples: 20 }).rows[1]?.paired;
    const swapped = pairExperiments(uneven, a, { resamples: 20 }).rows[1]?.paired;
    assert.ok(forward && swapped);
    assert.ok(Math.abs(swapped.deltaMedian + forward.deltaMedian) < 1e-12);
    assert.ok(Math.abs(swapped.ci.low + forward.ci.high) < 1e-12 && Math.abs(swapped.ci.high + forward.ci.low) < 1e-12, `${JSON.stringify(forward.ci)} vs ${JSON.stringify(swapped.ci)}`);
    assert.equal(swapped.pRaw, forward.pRaw);
  });

  it('read as Markdown, HTML and a two-panel figure that renders', async () => {
    const md = pairMarkdown(pair);
    assert.match(md, /^# run-a+ \(A\) vs run-b+ \(B\)/);
    assert.match(md, /\| svm\.C \| 1 \| 4 \|/);
    assert.match(md, /\| smote \| ratio-1 \| SVM \| 59\.50 ± 1\.00 \| 61\.17 ± 1\.00 \| \+1\.67 \| 57\.50 ± 2\.00 \| 59\.17 ± 2\.00 \| \+1\.67 \|/);
    assert.match(md, /Both ran the same 6 outer fold\(s\)/);
    assert.match(md, /\| smote \| ratio-1 \| SVM \| 6 \| \+2\.00 \| \[[^\]]+\] \| \+1\.67 \| 0\.063 \| 0\.125 \| no \|/);
    assert.match(md, /both ran serflow commit abc1234def/);
    const section = pairHtmlSection(pair, []);
    assert.match(section.tableHtml, /<h3>What differs between the configs<\/h3>[^]*<td>svm\.C<\/td>[^]*<h3>Cells side by side<\/h3>[^]*<h3>Paired by fold<\/h3>[^]*<table class="comparisons">/);
    const spec = experimentPairSpec(pair) as unknown as { hconcat: { data: { values: Record<string, unknown>[] } }[] };
    assert.equal(spec.hconcat.length, 2);
    assert.equal(spec.hconcat[0]?.data.values.length, 4, 'two cells x two experiments');
    assert.deepEqual(spec.hconcat[1]?.data.values.map((v) => v.cell), ['none / SVM', 'smote / ratio-1 / SVM']);
    const chart = await renderChart(experimentPairSpec(pair));
    assert.ok(chart.png.length > 1000 && chart.width > 400, `${chart.width}x${chart.height}`);
    assert.match(chart.svg, /B − A, UAR/);
  });
});

describe('folds that do not match', () => {
  it('different outer folds: the cells side by side, no paired statistics, and the Markdown says so', () => {
    const fewer = { ...b, folds: b.folds.slice(0, 4) };
    const pair = pairExperiments(a, fewer);
    assert.equal(pair.folds.matched, false);
    assert.equal(pair.paired, undefined);
    assert.ok(pair.rows.every((r) => r.paired === undefined && r.delta !== undefined));
    assert.match(pair.folds.matched ? '' : pair.folds.reasons[0] ?? '', /the outer folds differ: A ran 6 \(speaker-03, .*\), B ran 4/);
    const md = pairMarkdown(pair);
    assert.match(md, /Folds do not match, so per-fold paired statistics are omitted: the outer folds differ/);
    assert.doesNotMatch(md, /Δ median/);
    assert.deepEqual((experimentPairSpec(pair) as unknown as { hconcat: { data: { values: unknown[] } }[] }).hconcat[1]?.data.values.length, 2, 'B − A of the means');
  });

  it('each reason: a fold of the same name testing other speakers, other repeats, other held-out speakers, speakers unknown', () => {
    const regrouped = { ...b, folds: b.folds.map((f, i) => (i === 0 ? { ...f, testSpeakers: ['03', '08'] } : f)) };
    assert.deepEqual(matchFolds(a, regrouped), { matched: false, reasons: ['fold speaker-03 tests speaker(s) 03 in A and 03, 08 in B'] });
    assert.deepEqual(matchFolds(a, { ...b, repeats: [0, 1, 2] }), { matched: false, reasons: ['the repeats differ: A ran 2, B ran 3'] });
    assert.deepEqual(matchFolds(a, { ...b, excludedSpeakers: ['16'] }), { matched: false, reasons: ['the speakers held out before the folds differ: A none, B 16'] });
    const unknown = matchFolds(a, { ...b, folds: b.folds.map((f) => ({ name: f.name, testSpeakers: f.name === 'speaker-12' ? undefined : f.testSpeakers })), foldsNote: 'its fold list is not readable' });
    assert.deepEqual(unknown, { matched: false, reasons: ['the test speakers of fold(s) speaker-12 are not known (B: its fold list is not readable), so the folds cannot be shown to match'] });
    assert.equal(matchFolds(a, b).matched, true);
  });

  it('test speakers are read from fold names that carry them, when the fold list is not in the store', () => {
    assert.deepEqual(speakersFromFoldName('speaker-03'), ['03']);
    assert.deepEqual(speakersFromFoldName('speakers-03+16'), ['03', '16']);
    assert.equal(speakersFromFoldName('fold-1-of-5'), undefined);
  });
});

describe('experiments that cannot be compared', () => {
  it('different class sets are refused, naming both', () => {
    const fewer = { ...b, classes: ['anger', 'sadness'], corpus: { ...b.corpus, contentHash: 'e'.repeat(64) } };
    assert.deepEqual(comparabilityProblems(a, fewer), ['the class sets differ: A has anger, neutral, sadness; B has anger, sadness']);
    assert.throws(() => pairExperiments(a, fewer), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^A \(run-a+, run a+\) and B \(run-b+, run b+\) cannot be compared cell by cell: the class sets differ: A has anger, neutral, sadness; B has anger, sadness\. Fix: /);
      return true;
    });
  });

  it('different corpora are refused, naming both: by content hash when the classes agree, by kind and file otherwise', () => {
    const other = { ...b, corpus: { kind: 'manifest', path: 'ravdess/manifest.csv', contentHash: 'e'.repeat(64) } };
    assert.deepEqual(comparabilityProblems(a, other), [`the corpora differ: A is emodb wav (content ${'f'.repeat(12)}); B is manifest ravdess/manifest.csv (content ${'e'.repeat(12)})`]);
    const rehashed = { ...b, corpus: { ...b.corpus, contentHash: 'e'.repeat(64) } };
    assert.equal(comparabilityProblems(a, rehashed).length, 1, 'the same kind and path, other audio');
    const unhashed = { ...other, corpus: { kind: 'manifest', path: 'ravdess/manifest.csv' } };
    assert.match(comparabilityProblems(a, unhashed)[0] ?? '', /the corpora differ: A is emodb wav \(content f+\); B is manifest ravdess\/manifest\.csv$/);
    // The same corpus elsewhere on disk (another machine): comparable.
    assert.deepEqual(comparabilityProblems(a, { ...b, corpus: { ...a.corpus, path: '/data/emodb/wav' } }), []);
    assert.throws(() => pairExperiments(a, other), InputError);
  });

  it('cells only one experiment ran are shown on their side, without a difference', () => {
    const more = experiment('c'.repeat(32), { cells: [cell('none', '-'), cell('smote', 'ratio-1'), cell('noise', 'ratio-1')] });
    const pair = pairExperiments(a, more);
    assert.deepEqual(pair.onlyIn, { a: [], b: ['noise/ratio-1/svm'] });
    const noise = pair.rows.find((r) => r.cellId === 'noise/ratio-1/svm');
    assert.ok(noise && noise.a === undefined && noise.b !== undefined && noise.delta === undefined && noise.paired === undefined);
    assert.equal(pair.paired?.family, 2);
    assert.match(pairMarkdown(pair), /Only B ran noise\/ratio-1\/svm\./);
  });
});
