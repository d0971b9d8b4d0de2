/**
 * `search.holdout` in a sweep config (configs/schema/sweep.ts, configs/load/sweep-config.ts):
 * speakers by name or a seeded fraction, resolved against the corpus's speakers and written into
 * every configuration as protocol.excludeSpeakers; the final run's config (holdoutConfig) tests
 * on exactly those speakers; unknown names are an InputError naming the file and the field.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyHoldout, holdoutConfig, loadSweepConfig, requireHoldoutApplied, resolveHoldout } from '../../../configs/load/sweep-config';
import { InputError } from '../../../foundation/errors';
import { useScratchFolder } from '../../support/scratch-folder';

const scratch = useScratchFolder('serflow-holdout-config-');

/** EMO-DB's ten speakers, their utterance counts roughly as in the corpus. */
const corpus = ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16'].flatMap((s, i) => Array.from({ length: 30 + 3 * i }, () => s));

function writeSweep(name: string, search: string[], objective = 'objective: { cell: noise/ratio-1/svm }'): string {
  writeFileSync(join(scratch.path, 'base.yaml'), [
    'name: base', 'corpus: { kind: emodb, path: wav }', 'features: { extractor: table, path: features.csv }',
    'protocol: { maxFolds: 2 }', 'methods: [none, noise]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  const file = join(scratch.path, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'base: base.yaml', ...search, objective].join('\n'));
  return file;
}

const grid = (holdout: string) => ['search:', '  kind: grid', '  space: { noise.sigma: [0.1, 0.2] }', `  holdout: ${holdout}`];
const optuna = (holdout: string) => ['search:', '  kind: optuna', '  trials: 4', '  space: { noise.sigma: { uniform: [0.01, 1] } }', `  holdout: ${holdout}`];

describe('search.holdout', () => {
  it('writes the named speakers into every configuration of a grid as protocol.excludeSpeakers, and changes the sweep\'s identity', () => {
    const loaded = loadSweepConfig(writeSweep('grid', grid("{ speakers: ['10', '03'] }")));
    assert.throws(() => requireHoldoutApplied(loaded), /search\.holdout is not applied/);
    const applied = applyHoldout(loaded, corpus);
    assert.deepEqual(applied.heldOut, ['03', '10']);
    assert.equal(applied.points.length, 2);
    for (const p of applied.points) assert.deepEqual(p.config.protocol.excludeSpeakers, ['03', '10']);
    assert.notEqual(applied.sweepHash, loaded.sweepHash);
    assert.deepEqual(requireHoldoutApplied(applied), ['03', '10']);
  });

  it('writes them into an optuna sweep\'s base, which every trial\'s config is built from', () => {
    const applied = applyHoldout(loadSweepConfig(writeSweep('optuna', optuna("{ speakers: ['12'] }"))), corpus);
    assert.deepEqual((applied.base.protocol as { excludeSpeakers: string[] }).excludeSpeakers, ['12']);
    assert.deepEqual(applied.baseConfig.protocol.excludeSpeakers, ['12']);
  });

  it('holds out whole speakers for about a fraction of the utterances, the same ones for the same seed', () => {
    const a = resolveHoldout({ fraction: 0.2, seed: 7 }, corpus);
    const b = resolveHoldout({ fraction: 0.2, seed: 7 }, [...corpus].reverse());
    assert.deepEqual(a, b, 'the same speakers whatever the row order');
    const rows = corpus.filter((s) => a.includes(s)).length;
    assert.ok(a.length >= 1 && a.length < 10, JSON.stringify(a));
    assert.ok(Math.abs(rows / corpus.length - 0.2) < 0.1, `${rows} of ${corpus.length} rows held out`);
    const draws = new Set([1, 2, 3, 4, 5, 6].map((seed) => resolveHoldout({ fraction: 0.2, seed }, corpus).join(',')));
    assert.ok(draws.size > 1, 'other seeds hold out other speakers');
  });

  it('an unknown speaker is an InputError naming the file, the field and the speakers there are', () => {
    const file = writeSweep('unknown', grid("{ speakers: ['03', '99'] }"));
    assert.throws(() => applyHoldout(loadSweepConfig(file), corpus), (e: unknown) => e instanceof InputError
      && e.message.includes(file) && /search\.holdout\.speakers: speaker\(s\) "99" not in the base config's corpus.*03, 08, 09/s.test(e.message));
  });

  it('a grid or random sweep with a holdout needs an objective; a holdout with a swept corpus is refused', () => {
    assert.throws(() => loadSweepConfig(writeSweep('no-objective', grid("{ speakers: ['03'] }"), '')), /objective: a sweep with a holdout needs an objective/);
    assert.throws(() => loadSweepConfig(writeSweep('corpus', ['search:', '  kind: grid', "  space: { corpus.path: ['a', 'b'] }", "  holdout: { speakers: ['03'] }"])),
      /search\.holdout: holds out speakers of the base corpus, and the space sweeps corpus\.path/);
  });

  it('the final run\'s config trains on every other speaker and tests on exactly the held-out ones, in one fold', () => {
    const applied = applyHoldout(loadSweepConfig(writeSweep('final', optuna("{ speakers: ['03', '10'] }"))), corpus);
    const final = holdoutConfig(applied.base, { 'noise.sigma': 0.3 }, ['10', '03'], 'final-holdout');
    assert.deepEqual(final.config.protocol.folds, { kind: 'fixed', testSpeakers: ['03', '10'] });
    assert.equal(final.config.protocol.excludeSpeakers, undefined);
    assert.equal(final.config.protocol.maxFolds, undefined);
    assert.equal(final.config.noise.sigma, 0.3);
    assert.equal(final.config.name, 'final-holdout');
    assert.throws(() => holdoutConfig(applied.base, {}, ['03'], 'x'), /the trials excluded \["03","10"\], not the held-out speakers \["03"\]/);
  });

  it('a grid configuration\'s parsed config is a base for the final run too', () => {
    const applied = applyHoldout(loadSweepConfig(writeSweep('grid-final', grid("{ speakers: ['08'] }"))), corpus);
    const point = applied.points[1];
    assert.ok(point);
    const final = holdoutConfig(point.config as unknown as Record<string, unknown>, {}, ['08'], 'grid-final-holdout');
    assert.equal(final.config.noise.sigma, 0.2);
    assert.deepEqual(final.config.protocol.folds, { kind: 'fixed', testSpeakers: ['08'] });
  });
});
