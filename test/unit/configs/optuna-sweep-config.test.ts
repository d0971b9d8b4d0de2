/**
 * An optuna sweep's config (configs/schema/sweep.ts, configs/load/sweep-config.ts) and what its
 * objective asks of the plan and the evaluation: the objective cell must be a cell of the base
 * experiment, several objectives cannot be pruned, and the objective cell is validated (inner CV
 * over its single candidate) even when its classifier selects nothing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { evaluateFold } from '../../../compute/evaluate';
import { planCells } from '../../../configs/experiment-plan';
import { loadSweepConfig } from '../../../configs/load/sweep-config';
import { InputError } from '../../../foundation/errors';
import { useScratchFolder } from '../../support/scratch-folder';
import { gaussianClasses } from '../../support/synthetic-classes';

const scratch = useScratchFolder('serflow-optuna-config-');

function writeSweep(name: string, lines: string[]): string {
  writeFileSync(join(scratch.path, 'base.yaml'), [
    'name: base', 'corpus: { kind: emodb, path: wav }', 'features: { extractor: table, path: features.csv }',
    'methods: [none, noise]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  const file = join(scratch.path, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'base: base.yaml', ...lines].join('\n'));
  return file;
}

const search = ['search:', '  kind: optuna', '  trials: 8', '  space:', '    svm.C: { logUniform: [0.001, 10] }', '    noise.sigma: { uniform: [0.01, 1] }'];
const inputError = (pattern: RegExp) => (e: unknown): boolean => e instanceof InputError && pattern.test(e.message);

describe('optuna sweep config', () => {
  it('loads with TPE, a median pruner and seed 1 by default, no points up front, and an identity from its base, search and objective', () => {
    const loaded = loadSweepConfig(writeSweep('ok', [...search, 'objective: { cell: noise/ratio-1/svm }']));
    assert.equal(loaded.points.length, 0);
    assert.deepEqual(loaded.sweep.search.kind === 'optuna' && [loaded.sweep.search.sampler, loaded.sweep.search.pruner, loaded.sweep.search.seed], [{ kind: 'tpe' }, { kind: 'median' }, 1]);
    assert.deepEqual(loaded.sweep.objective, [{ cell: 'noise/ratio-1/svm', metric: 'uar' }]);
    const other = loadSweepConfig(writeSweep('ok', [...search, 'objective: { cell: none/svm }']));
    assert.notEqual(other.sweepHash, loaded.sweepHash);
  });

  it('refuses an objective cell the base experiment does not have, naming the cells it has', () => {
    assert.throws(() => loadSweepConfig(writeSweep('bad-cell', [...search, 'objective: { cell: smote/ratio-1/svm }'])),
      inputError(/objective\.cell: "smote\/ratio-1\/svm" is not a cell of the base experiment.*none\/svm, noise\/ratio-1\/svm/));
  });

  it('refuses an optuna search without an objective, and a grid objective other than one `uar` cell', () => {
    assert.throws(() => loadSweepConfig(writeSweep('no-objective', search)), /objective.*needs an objective/s);
    const grid = loadSweepConfig(writeSweep('grid', ['search: { kind: grid, space: { svm.C: [1] } }', 'objective: { cell: none/svm }']));
    assert.deepEqual(grid.sweep.objective, [{ cell: 'none/svm', metric: 'uar' }]);
    assert.throws(() => loadSweepConfig(writeSweep('grid-epochs', ['search: { kind: grid, space: { svm.C: [1] } }', 'objective: { cell: none/svm, metric: ganEpochs }'])), /objective: a grid or random sweep takes one `uar` objective/);
    assert.throws(() => loadSweepConfig(writeSweep('grid-cell', ['search: { kind: grid, space: { svm.C: [1] } }', 'objective: { cell: smote/ratio-1/svm }'])), inputError(/objective\.cell: "smote\/ratio-1\/svm" is not a cell/));
  });

  it('takes a sampler\'s startup trials where Optuna has them, and refuses them where it has none', () => {
    const withSampler = (sampler: string) => [...search.slice(0, 2), `  sampler: ${sampler}`, ...search.slice(2), 'objective: { cell: noise/ratio-1/svm }'];
    const loaded = loadSweepConfig(writeSweep('startup', withSampler('{ kind: tpe, startupTrials: 4 }')));
    assert.deepEqual(loaded.sweep.search.kind === 'optuna' && loaded.sweep.search.sampler, { kind: 'tpe', startupTrials: 4 });
    assert.throws(() => loadSweepConfig(writeSweep('startup-random', withSampler('{ kind: random, startupTrials: 4 }'))), /search\.sampler\.startupTrials: random has no startup trials/);
  });

  it('refuses a pruner with several objectives (Optuna prunes single-objective studies only)', () => {
    const lines = [...search.slice(0, 2), '  sampler: nsga2', ...search.slice(2), 'objective: [{ cell: noise/ratio-1/svm }, { cell: noise/ratio-1/svm, metric: ganEpochs }]'];
    assert.throws(() => loadSweepConfig(writeSweep('multi', lines)), /search\.pruner.*pruner: none/s);
    const ok = loadSweepConfig(writeSweep('multi', [...lines.slice(0, 3), '  pruner: none', ...lines.slice(3)]));
    assert.equal(ok.sweep.objective?.length, 2);
  });

  it('refuses a condition on a parameter that is not a choice listed before it, or on values it cannot take', () => {
    const space = (lines: string[]) => [...search.slice(0, 4), ...lines, 'objective: { cell: noise/ratio-1/svm }'];
    assert.throws(() => loadSweepConfig(writeSweep('cond-later', space(['    noise.sigma: { uniform: [0.01, 1], when: { smote.k: [3] } }', '    smote.k: { choice: [3, 5] }']))),
      /search\.space\.noise\.sigma\.when\.smote\.k.*must be a `choice` parameter listed before "noise\.sigma"/s);
    assert.throws(() => loadSweepConfig(writeSweep('cond-uniform', space(['    svm.C: { uniform: [0.1, 1] }', '    noise.sigma: { uniform: [0.01, 1], when: { svm.C: [0.5] } }']))), /must be a `choice` parameter/);
    assert.throws(() => loadSweepConfig(writeSweep('cond-values', space(['    smote.k: { choice: [3, 5] }', '    noise.sigma: { uniform: [0.01, 1], when: { smote.k: [4] } }']))),
      /\[4\] not among the choices of "smote\.k" \(\[3,5\]\)/);
  });

  it('a random sweep draws a conditional parameter only when its condition holds', () => {
    const lines = ['search:', '  kind: random', '  trials: 12', '  seed: 3', '  space:', '    noise.sigma: { choice: [0.1, 0.5] }', '    svm.C: { logUniform: [0.001, 10], when: { noise.sigma: [0.5] } }'];
    const { points } = loadSweepConfig(writeSweep('cond-random', lines));
    assert.deepEqual([...new Set(points.map((p) => p.values['noise.sigma']))].sort(), [0.1, 0.5]);
    for (const p of points) assert.equal('svm.C' in p.values, p.values['noise.sigma'] === 0.5, JSON.stringify(p.values));
  });

  it('refuses a space whose draws make an invalid experiment, before any trial runs', () => {
    const bad = [...search.slice(0, 4), '    svm.C: { uniform: [-1, 0] }', 'objective: { cell: none/svm }'];
    assert.throws(() => loadSweepConfig(writeSweep('bad-space', bad)), /makes an invalid experiment/);
  });
});

describe('the objective cell is validated', () => {
  it('the plan gives the named cell the inner protocol, and only that cell', () => {
    const { points, base } = loadSweepConfig(writeSweep('grid', ['search: { kind: grid, space: { svm.C: [1] } }']));
    assert.ok(base);
    const config = (points[0] as (typeof points)[number]).config;
    assert.deepEqual(planCells(config).map((c) => c.selection !== undefined), [false, false]);
    assert.deepEqual(planCells(config, { validate: ['noise/ratio-1/svm'] }).map((c) => c.selection !== undefined), [false, true]);
  });

  it('evaluateFold with validate scores the single candidate on inner splits by speaker and refits it, with the test metrics of no validation', async () => {
    const train = gaussianClasses({ perClass: [20, 18, 22], cols: 6, separation: 1.2, seed: 5 });
    const test = gaussianClasses({ perClass: [6, 6, 6], cols: 6, separation: 1.2, seed: 6 });
    const trainSpeakers = Array.from({ length: train.rows }, (_, i) => `s${i % 4}`);
    const common = { train, test, trainSpeakers, augmentation: { method: 'none' as const }, classifier: { kind: 'svm' as const, C: 0.5 }, seed: 9 };
    const plain = await evaluateFold(common);
    const validated = await evaluateFold({ ...common, validate: true, selectionSeed: 10 });
    assert.equal(plain.selection, undefined);
    assert.ok(validated.selection);
    assert.deepEqual(validated.selection.candidates.map((c) => c.values), [{}]);
    assert.ok(validated.selection.validationScore > 0 && validated.selection.validationScore <= 1);
    assert.deepEqual(validated.confusion, plain.confusion, 'the refit is the same classifier on the same rows');
  });
});
