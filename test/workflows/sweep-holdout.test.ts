/**
 * A sweep with `search.holdout` (workflows/sweep.ts, workflows/optuna-sweep.ts,
 * workflows/sweep-holdout.ts) in Temporal's time-skipping test server, every activity faked but
 * the fold building: prepareFolds builds the real folds (compute/folds/build-folds.ts, as the
 * activity does) over a synthetic corpus of eight speakers, and every evaluation records the rows
 * its fold trains and tests on. Proves: the held-out speakers appear in no trial's rows; the best
 * configuration is chosen on validation; the final run trains on every other speaker and tests on
 * exactly the held-out ones; its UAR is the sweep's held-out test UAR, recorded on the sweep's run.
 * Without a holdout (and without an objective), the sweep says its best was chosen on test and
 * is optimistic.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../activities';
import type { RecordSweepResultInput } from '../../activities/sweep-activities';
import { optunaSweepInput } from '../../cli/commands/optuna-sweep-launch';
import { sweepInput } from '../../cli/commands/sweep-command';
import { buildFolds } from '../../compute/folds/build-folds';
import type { FoldDefinition, FoldRow } from '../../compute/folds/fold-definition';
import { applyHoldout, holdoutConfig, loadSweepConfig, pointConfig } from '../../configs/load/sweep-config';
import { loadStackSettings } from '../../infra/stack-settings';
import { optunaSweepWorkflow } from '../../workflows/optuna-sweep';
import { sweepWorkflow } from '../../workflows/sweep';
import { FAKE_ACTIVITY_NAMES, fakeActivities } from '../support/fake-experiment';
import { useScratchFolder } from '../support/scratch-folder';
import { useFakeActivityWorkers } from '../support/workflow-test-env';

const SWEEP_ACTIVITIES = ['openSweep', 'askTrial', 'reportTrialStep', 'tellTrial', 'holdoutExperiment', 'recordSweepResult'] as const;
const workers = useFakeActivityWorkers([...FAKE_ACTIVITY_NAMES, ...SWEEP_ACTIVITIES]);
const scratch = useScratchFolder('serflow-sweep-holdout-');

/** Eight speakers x three classes x two utterances, interleaved: the synthetic corpus's rows. */
const SPEAKERS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
const CLASSES = ['anger', 'neutral', 'sadness'];
const META: FoldRow[] = Array.from({ length: 48 }, (_, i) => ({ speaker: SPEAKERS[i % 8] as string, label: CLASSES[Math.floor(i / 8) % 3] as string }));
const HELD_OUT = ['s3', 's7'];
const OBJECTIVE = 'noise/ratio-1/svm';

function writeSweep(name: string, search: string[], objective = `objective: { cell: ${OBJECTIVE}, metric: uar }`): string {
  writeFileSync(join(scratch.path, 'base.yaml'), [
    'name: base', 'corpus: { kind: emodb, path: never-read }', 'features: { extractor: table, path: never-read.csv }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 5, maxFolds: 3 }', 'methods: [none, noise]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  const file = join(scratch.path, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'base: base.yaml', ...search, objective, 'concurrency: 2'].join('\n'));
  return file;
}

/** The test UAR the fake gives a fold: 0.9 on a fold testing on a held-out speaker (the final run), else 0.6 (0.5 for no augmentation). */
const testUar = (fold: FoldDefinition, cellId: string) => (fold.testSpeakers.some((s) => HELD_OUT.includes(s)) ? 0.9 : cellId === OBJECTIVE ? 0.6 : 0.5);

interface Seen {
  /** The experiment workflow (`<sweep>/<name>`) of the evaluation. */
  experiment: string;
  fold: FoldDefinition;
  cellId: string;
}

/** The experiment, fold and sweep fakes over the synthetic corpus; `validation(sigma)` scores the objective cell. */
function sweepFakes(validation: (sigma: number) => number, ask?: { base: Record<string, unknown>; sigmas: number[]; name: string }) {
  const folds = new Map<string, FoldDefinition[]>();
  const seen: Seen[] = [];
  const excluded: (string[] | undefined)[] = [];
  const recorded: RecordSweepResultInput[] = [];
  const fakes = fakeActivities({
    overrides: {
      async openExperiment(input) {
        return { experimentId: 'experiment:fake', parentRunId: `run:${input.config.name}`, cellRuns: Object.fromEntries(input.cells.map((c) => [c.id, `run:${input.config.name}/${c.id}`])) };
      },
      async extractFeatures() {
        return { featureKey: 'features:fake', rows: META.length, cols: 4, classes: CLASSES, speakers: SPEAKERS, datasetHash: 'd', extractor: 'table', skipped: [], memoHit: false };
      },
      // What the activity does (activities/feature-activities.ts), over the synthetic rows.
      async prepareFolds(input) {
        const { folds: spec, seed, maxFolds, excludeSpeakers } = input.protocol;
        excluded.push(excludeSpeakers);
        const built = buildFolds(META, spec, { seed, maxFolds, excludeSpeakers });
        const foldsKey = `folds:${folds.size}`;
        folds.set(foldsKey, built);
        return { foldsKey, folds: built.map((f) => ({ name: f.name, testSpeakers: f.testSpeakers, trainRows: f.trainIndices.length, testRows: f.testIndices.length })) };
      },
      async evaluate(input) {
        const fold = (folds.get(input.foldsKey) as FoldDefinition[])[input.foldIndex] as FoldDefinition;
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
        seen.push({ experiment: workflowId.split('/').slice(0, 2).join('/'), fold, cellId: input.cell.id });
        const sigma = (input.cell.augmentation as { sigma?: number }).sigma ?? 0;
        const uar = testUar(fold, input.cell.id);
        return {
          fold: fold.name, repeat: input.repeat, wa: uar, uar, confusion: [[1]], addedPerClass: {}, trainRows: fold.trainIndices.length, testRows: fold.testIndices.length, warnings: [], memoHit: false,
          ...(input.cell.selection ? { selection: { metric: 'uar' as const, chosen: {}, validationScore: input.cell.id === OBJECTIVE ? validation(sigma) : 0.4, candidates: [] } } : {}),
        };
      },
      async finishExperiment(input) {
        const rows = [...new Set(input.evaluations.map((e) => e.cellId))].map((cellId) => {
          const es = input.evaluations.filter((e) => e.cellId === cellId);
          const mean = es.reduce((n, e) => n + e.uar, 0) / es.length;
          return { cellId, method: cellId.split('/')[0] as string, amount: '-', classifier: 'svm', wa: { mean, std: null }, uar: { mean, std: null }, foldUar: {} };
        });
        return { experimentId: input.tracking.experimentId, parentRunId: input.tracking.parentRunId, rows };
      },
    },
  });
  const sweep: Pick<Activities, (typeof SWEEP_ACTIVITIES)[number]> = {
    async openSweep() {
      return { experimentId: 'experiment:fake', parentRunId: 'run:sweep' };
    },
    async askTrial(input) {
      if (!ask) throw new Error('not an optuna sweep');
      const values = { 'noise.sigma': ask.sigmas[input.slot] as number };
      const point = pointConfig(input.base, values, `${ask.name}-${input.slot + 1}`);
      return { number: input.slot, state: 'running', values, objectiveValues: null, config: point.config, configHash: point.configHash };
    },
    async reportTrialStep() {
      return { prune: false };
    },
    async tellTrial(input) {
      return { state: input.end.state, counts: {}, best: undefined };
    },
    async holdoutExperiment(input) {
      const point = holdoutConfig(input.base, input.values, input.speakers, input.name);
      return { config: point.config, configHash: point.configHash };
    },
    async recordSweepResult(input) {
      recorded.push(input);
    },
  };
  return { activities: { ...fakes.activities, ...sweep }, seen, excluded, recorded };
}

/** The speakers of a fold's rows, train and test, from the matrix's meta. */
const speakersOf = (indices: readonly number[]) => [...new Set(indices.map((i) => (META[i] as FoldRow).speaker))].sort();

function assertHeldOutUnseen(seen: Seen[], finalRun: string): void {
  const trials = seen.filter((s) => s.experiment !== finalRun);
  assert.ok(trials.length > 0);
  for (const s of trials) {
    const rows = [...s.fold.trainIndices, ...s.fold.testIndices];
    assert.deepEqual(speakersOf(rows).filter((x) => HELD_OUT.includes(x)), [], `${s.experiment} ${s.fold.name} holds rows of a held-out speaker`);
  }
}

function assertFinalRunTestsExactlyHeldOut(seen: Seen[], finalRun: string): void {
  const final = seen.filter((s) => s.experiment === finalRun);
  assert.ok(final.length > 0, `no evaluation of ${finalRun}`);
  const heldRows = META.map((r, i) => (HELD_OUT.includes(r.speaker) ? i : -1)).filter((i) => i >= 0);
  for (const s of final) {
    assert.deepEqual([...s.fold.testIndices].sort((a, b) => a - b), heldRows, 'the final run tests on every row of the held-out speakers and no other');
    assert.deepEqual(speakersOf(s.fold.trainIndices), SPEAKERS.filter((x) => !HELD_OUT.includes(x)), 'and trains on every other speaker');
  }
}

describe('a sweep with a holdout', () => {
  it('grid: no configuration sees the held-out speakers; the best by validation is tested on exactly them, and its UAR is the held-out test UAR', async () => {
    const loaded = applyHoldout(loadSweepConfig(writeSweep('grid-holdout', ['search:', '  kind: grid', '  space: { noise.sigma: [0.1, 0.3, 0.2] }', `  holdout: { speakers: [${HELD_OUT.join(', ')}] }`])), META.map((r) => r.speaker));
    const { input } = sweepInput(loaded, loadStackSettings());
    input.orchestration = workers.orchestration;
    // Validation rises with sigma: the second configuration (0.3) is the best.
    const fakes = sweepFakes((sigma) => 0.5 + sigma);
    const workflowId = workers.route(fakes.activities, 'grid');
    const result = await workers.env.client.workflow.execute(sweepWorkflow, { workflowId, taskQueue: workers.orchestration.taskQueues.orchestration, args: [input] });

    assert.deepEqual(fakes.excluded.slice(0, 3), [HELD_OUT, HELD_OUT, HELD_OUT], 'every configuration\'s folds were built without the held-out speakers');
    assertHeldOutUnseen(fakes.seen, `${workflowId}/holdout`);
    assertFinalRunTestsExactlyHeldOut(fakes.seen, `${workflowId}/holdout`);
    assert.equal(result.best?.name, 'grid-holdout-2');
    assert.equal(result.best?.chosenOn, 'validation');
    assert.ok(Math.abs((result.best?.validation ?? 0) - 0.8) < 1e-9);
    assert.deepEqual(result.holdout && { speakers: result.holdout.speakers, cellId: result.holdout.cellId, uar: result.holdout.uar, runId: result.holdout.runId },
      { speakers: HELD_OUT, cellId: OBJECTIVE, uar: 0.9, runId: 'run:grid-holdout-holdout' });
    assert.match(result.note, /held-out test UAR 90\.00 %.*speakers s3, s7, which no trial saw/);
    assert.equal(fakes.recorded.length, 1);
    assert.equal(fakes.recorded[0]?.holdout?.uar, 0.9);
    assert.equal(fakes.recorded[0]?.sweepRunId, 'run:sweep');
  });

  it('optuna: no trial sees the held-out speakers; the study\'s best trial is tested on exactly them', async () => {
    const loaded = applyHoldout(loadSweepConfig(writeSweep('optuna-holdout', [
      'search:', '  kind: optuna', '  trials: 3', '  pruner: median', '  space: { noise.sigma: { uniform: [0.05, 1] } }', `  holdout: { speakers: [${HELD_OUT.join(', ')}] }`,
    ])), META.map((r) => r.speaker));
    const { input } = optunaSweepInput(loaded, loadStackSettings());
    input.orchestration = workers.orchestration;
    // Validation falls with sigma: the trial with the smallest sigma (slot 2, 0.1) is the best.
    const fakes = sweepFakes((sigma) => 1 - sigma, { base: input.base, sigmas: [0.5, 0.7, 0.1], name: 'optuna-holdout' });
    const workflowId = workers.route(fakes.activities, 'optuna');
    const result = await workers.env.client.workflow.execute(optunaSweepWorkflow, { workflowId, taskQueue: workers.orchestration.taskQueues.orchestration, args: [input] });

    assert.equal(result.outcomes.length, 3);
    assertHeldOutUnseen(fakes.seen, `${workflowId}/holdout`);
    assertFinalRunTestsExactlyHeldOut(fakes.seen, `${workflowId}/holdout`);
    assert.deepEqual([result.best?.name, result.best?.chosenOn], ['optuna-holdout-3', 'validation']);
    assert.equal(result.holdout?.uar, 0.9);
    assert.deepEqual(result.holdout?.speakers, HELD_OUT);
    assert.equal(fakes.recorded[0]?.holdout?.runId, 'run:optuna-holdout-holdout');
  });

  it('grid without holdout or objective: the best is chosen on test and the note says it is optimistic; no final run', async () => {
    const loaded = loadSweepConfig(writeSweep('grid-plain', ['search:', '  kind: grid', '  space: { noise.sigma: [0.1, 0.2] }'], ''));
    const { input } = sweepInput(loaded, loadStackSettings());
    input.orchestration = workers.orchestration;
    const fakes = sweepFakes(() => 0.5);
    const workflowId = workers.route(fakes.activities, 'plain');
    const result = await workers.env.client.workflow.execute(sweepWorkflow, { workflowId, taskQueue: workers.orchestration.taskQueues.orchestration, args: [input] });
    assert.equal(result.holdout, undefined);
    assert.equal(result.best?.chosenOn, 'test');
    assert.match(result.note, /chosen on test.*selected across the folds it is measured on.*optimistic.*search\.holdout/);
    assert.equal(fakes.seen.filter((s) => s.experiment === `${workflowId}/holdout`).length, 0);
    assert.equal(fakes.recorded[0]?.note, result.note);
  });
});
