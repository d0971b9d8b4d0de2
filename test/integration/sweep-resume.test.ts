/**
 * A sweep terminated midway and resumed ends with the same MLflow contents as one that ran
 * through: same runs, same metrics, no duplicates, and the resumed run reuses finished work.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { restartFromRecordedInput } from '../../cli/commands/manage-commands';
import { sweepInput } from '../../cli/commands/sweep-command';
import { resolveWorkflowId } from '../../cli/launch/workflow-id-resolution';
import { resolveReportTarget } from '../../report/report-target';
import type { Run } from '../../tracking/mlflow-schemas';
import { sweepWorkflow, type SweepOutcome, type SweepProgress } from '../../workflows/sweep';
import { useTestStack, type StartedWorkers } from '../support/test-stack';
import { writeTinyManifest } from '../support/tiny-experiment';

// Two sets of workers: one runs the sweep straight through, the other the interrupted one.
const fixture = useTestStack({ workerSets: 2 });

/** The sweep that ran straight through, for the test of the ids it can be named by. */
let straightSweep: { workflowId: string; mlflowExperiment: string; outcomes: SweepOutcome[] } | undefined;

function writeSweep(dir: string): string {
  writeFileSync(join(dir, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 11, maxFolds: 2 }', 'methods: [none, smote]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  writeFileSync(join(dir, 'sweep.yaml'), [
    'name: resume-test', 'base: base.yaml', 'search: { kind: grid, space: { svm.C: [0.25, 0.5, 1, 2] } }', 'concurrency: 1',
  ].join('\n'));
  return join(dir, 'sweep.yaml');
}

async function runsOf(experimentName: string): Promise<Run[]> {
  const experiment = await fixture.stack.mlflow.getExperimentByName(experimentName);
  assert.ok(experiment, experimentName);
  return fixture.stack.mlflow.searchAllRuns({ experimentIds: [experiment.experiment_id] });
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

/** Runs by their key, with the metrics that matter; the run ids themselves differ between experiments. */
function contents(runs: Run[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of runs) {
    const key = (tag(r, 'serflow.key') ?? '?').replace(/^sweep\/.*/, 'sweep');
    assert.ok(!out.has(key), `duplicate run for key ${key}`);
    out.set(key, Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])));
  }
  return out;
}

test('terminating a sweep midway and resuming it reuses finished work and ends with the same MLflow contents as an uninterrupted run', async () => {
  const { stack } = fixture;
  const [straight, interrupted] = fixture.workerSets as [StartedWorkers, StartedWorkers];
  const file = writeSweep(writeTinyManifest());
  const tag8 = randomUUID().slice(0, 8);

  const a = sweepInput(file, straight.settings);
  a.input.mlflowExperiment = `test-sweep-straight-${tag8}`;
  const straightOutcomes: SweepOutcome[] = (await stack.client.workflow.execute(sweepWorkflow, {
    workflowId: `${a.workflowId}-straight-${tag8}`, taskQueue: straight.settings.temporal.taskQueues.orchestration, args: [a.input],
  })).outcomes;
  assert.equal(straightOutcomes.length, 4);
  straightSweep = { workflowId: `${a.workflowId}-straight-${tag8}`, mlflowExperiment: a.input.mlflowExperiment, outcomes: straightOutcomes };

  const b = sweepInput(file, interrupted.settings);
  b.input.mlflowExperiment = `test-sweep-interrupted-${tag8}`;
  const id = `${b.workflowId}-interrupted-${tag8}`;
  const handle = await stack.client.workflow.start(sweepWorkflow, { workflowId: id, taskQueue: interrupted.settings.temporal.taskQueues.orchestration, args: [b.input] });
  const deadline = Date.now() + 300_000;
  for (;;) {
    const p = await handle.query<SweepProgress>('progress').catch(() => undefined);
    if (p && p.experimentsDone >= 1 && p.experimentsDone < 4) break;
    assert.ok(p === undefined || p.experimentsDone < 4, 'the sweep finished before it could be terminated');
    assert.ok(Date.now() < deadline, 'no experiment finished within 5 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  await handle.terminate('terminated by the test, midway');
  assert.equal((await handle.describe()).status.name, 'TERMINATED');

  await restartFromRecordedInput(stack.client, id);
  const resumedOutcomes: SweepOutcome[] = (await stack.client.workflow.getHandle<typeof sweepWorkflow>(id).result()).outcomes;
  assert.equal(resumedOutcomes.length, 4);
  const hits = resumedOutcomes.reduce((n, o) => n + o.memoHits, 0);
  const finishedFirst = resumedOutcomes.find((o) => o.memoHits === o.memoLookups);
  assert.ok(finishedFirst, `an experiment finished before the termination is entirely reused (memo hits ${hits})`);
  assert.deepEqual(resumedOutcomes.map((o) => o.best), straightOutcomes.map((o) => o.best));

  const left = contents(await runsOf(a.input.mlflowExperiment));
  const right = contents(await runsOf(b.input.mlflowExperiment));
  assert.deepEqual([...right.keys()].sort(), [...left.keys()].sort(), 'the same runs');
  for (const [key, metrics] of left) assert.deepEqual(right.get(key), metrics, `the same metrics in ${key}`);
  assert.equal(left.size, 1 + 4 * (1 + 2), "1 sweep run + 4 experiments x (1 parent + 2 cells)");
});

test('every id a sweep is shown by names it in status, cancel, resume and report: its workflow id, its MLflow run, an experiment\'s run and workflow', async (t) => {
  if (!straightSweep) return t.skip('needs the sweep of the test above');
  const { stack } = fixture;
  const [straight] = fixture.workerSets as [StartedWorkers, StartedWorkers];
  const { workflowId, mlflowExperiment, outcomes } = straightSweep;
  const sweepRun = (await runsOf(mlflowExperiment)).find((r) => tag(r, 'serflow.kind') === 'sweep');
  assert.ok(sweepRun, 'the sweep has its MLflow run');
  const experiment = outcomes[0] as SweepOutcome;
  const experimentWorkflowId = `${workflowId}/${experiment.name}`;
  // status, cancel and resume take the workflow id resolveWorkflowId gives (cli/main.ts); report takes resolveReportTarget's run.
  for (const id of [workflowId, sweepRun.info.run_id]) {
    assert.equal(await resolveWorkflowId(stack.client, straight.settings, id), workflowId, id);
    const target = await resolveReportTarget(stack.mlflow, id);
    assert.equal(target.kind, 'sweep', id);
    assert.equal(target.run.info.run_id, sweepRun.info.run_id, id);
  }
  for (const id of [experimentWorkflowId, experiment.parentRunId]) {
    assert.equal(await resolveWorkflowId(stack.client, straight.settings, id), experimentWorkflowId, id);
    const target = await resolveReportTarget(stack.mlflow, id);
    assert.equal(target.kind, 'experiment', id);
    assert.equal(target.run.info.run_id, experiment.parentRunId, id);
  }
  // An id nothing knows stays as it is, for the command to say so.
  assert.equal(await resolveWorkflowId(stack.client, straight.settings, 'no-such-workflow'), 'no-such-workflow');
});
