/**
 * An optuna sweep against the real servers and a real Optuna storage (SQLite in the test state
 * folder): TPE with a median pruner on a tiny budget runs every trial slot to an end, a second
 * launch of the same sweep attaches to the running one, Optuna's study and MLflow agree, and
 * `serflow report` draws Optuna's plots and the best trials' table and logs them to MLflow.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installation } from '../../composition/runtime-deps';
import { generateOptunaReport, isOptunaSweepRun } from '../../report/optuna-report';
import type { Run } from '../../tracking/mlflow-schemas';
import { TRIAL_RUNNING_METRIC } from '../../workflows/experiment';
import { optunaSweepWorkflow, type TrialOutcome } from '../../workflows/optuna-sweep';
import { runsOf, tag } from '../support/fault-kit';
import { assertStudyClean, countsOf, optunaLaunch, writeOptunaSweep } from '../support/optuna-sweep-fixture';
import { useTestStack } from '../support/test-stack';

const fixture = useTestStack();

test('a TPE sweep with a median pruner ends every trial slot once, prunes after a fold when the pruner says so, and MLflow holds one run per trial with its state, its running score per fold and the best so far', { timeout: 600_000 }, async () => {
  const { stack, workers } = fixture;
  const { input, workflowId } = optunaLaunch(writeOptunaSweep(), workers.settings);
  const options = { workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input] as [typeof input], workflowIdConflictPolicy: 'USE_EXISTING' as const };
  const handle = await stack.client.workflow.start(optunaSweepWorkflow, options);
  const again = await stack.client.workflow.start(optunaSweepWorkflow, options);
  assert.equal(again.firstExecutionRunId, handle.firstExecutionRunId, 'a duplicate launch attaches to the running sweep');

  const result = await handle.result();
  const outcomes: TrialOutcome[] = result.outcomes;
  // No holdout: the sweep says plainly that its best trial's test figure is optimistic.
  assert.equal(result.holdout, undefined);
  assert.match(result.note, /selected across the folds it is measured on.*optimistic.*search\.holdout/);
  assert.equal(outcomes.length, input.trials);
  const study = await assertStudyClean(input);
  const counts = countsOf(study);
  console.log(`[optuna-sweep] trials per state ${JSON.stringify(counts)}; outcomes ${JSON.stringify(outcomes.map((o) => [o.trial, o.state, o.foldsDone, o.objectiveValues]))}`);
  assert.equal((counts.complete ?? 0) + (counts.pruned ?? 0), input.trials, 'every trial completed or pruned');
  assert.ok((counts.pruned ?? 0) >= 1, 'the median pruner stopped at least one trial');
  for (const o of outcomes) {
    const t = study.trials.find((s) => s.number === o.trial);
    assert.equal(t?.state, o.state, `trial ${o.trial}: the workflow and Optuna agree on its state`);
    if (o.state === 'pruned') assert.ok((o.foldsDone ?? 0) < 4, `pruned trial ${o.trial} skipped folds`);
    else assert.equal(o.foldsDone, 4);
  }

  const runs: Run[] = await runsOf(stack.mlflow, input.mlflowExperiment);
  const sweepRun = runs.find((r) => tag(r, 'serflow.kind') === 'sweep');
  assert.ok(sweepRun);
  const trialRuns = runs.filter((r) => tag(r, 'serflow.trial') !== undefined);
  assert.equal(trialRuns.length, input.trials, 'one MLflow run per trial');
  for (const run of trialRuns) {
    const number = Number(tag(run, 'serflow.trial'));
    const t = study.trials.find((s) => s.number === number);
    assert.equal(tag(run, 'serflow.trial_state'), t?.state, `run of trial ${number} is tagged with its state`);
    assert.equal(tag(run, 'mlflow.parentRunId'), sweepRun.info.run_id, 'trial runs nest under the sweep run');
    const history = await stack.mlflow.getMetricHistory(run.info.run_id, TRIAL_RUNNING_METRIC);
    assert.deepEqual(history.map((m) => m.step).sort(), (t?.intermediate ?? []).map(([step]) => step), `trial ${number}: one running score per fold reported`);
  }
  assert.equal(tag(sweepRun, 'serflow.best_test_note'), result.note, 'the note is on the sweep run');
  const best = await stack.mlflow.getMetricHistory(sweepRun.info.run_id, 'best/validation_uar');
  assert.ok(best.length >= 1, 'the best so far is a metric of the sweep run');
  assert.equal([...best].sort((a, b) => a.step - b.step).at(-1)?.value, study.best[0]?.values?.[0]);

  const out = mkdtempSync(join(tmpdir(), 'serflow-optuna-report-'));
  const sweepRunNow = await stack.mlflow.getRun(sweepRun.info.run_id);
  assert.ok(isOptunaSweepRun(sweepRunNow));
  const report = await generateOptunaReport({ mlflow: stack.mlflow, runs: stack.runs, studies: installation.optunaStudies() }, sweepRunNow, out);
  for (const name of ['optimisation-history.svg', 'optimisation-history.png', 'parallel-coordinates.svg', 'parameter-importances.svg', 'optuna-report.html']) {
    assert.ok(existsSync(join(out, name)), `${name} written (problems: ${report.warnings.join('; ')})`);
  }
  const html = readFileSync(join(out, 'optuna-report.html'), 'utf8');
  assert.match(html, /test UAR % \(best only\)/);
  assert.match(html, /no speakers were held out; the best trial&#39;s test figure below is optimistic|no speakers were held out; the best trial's test figure below is optimistic/);
  assert.equal((html.match(/<svg/g) ?? []).length >= 3, true, 'the plots are inline in the page');
  const logged = await stack.mlflow.listRunArtifacts(sweepRunNow, 'report/optuna');
  assert.ok(logged.some((f) => f.path.endsWith('optuna-report.html')), 'the report is logged on the sweep run');
});
