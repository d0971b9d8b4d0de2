// `serflow compare` against the real test stack: a grid sweep over svm.C runs two tiny experiments
// (the tiny EMO-DB manifest, two LOSO folds, two repeats, none and SMOTE with an SVM) that share
// their folds and differ in that one value; the command, run as a user runs it (a child process),
// names its two configurations by their run ids (a grid point's run id, as a trial's) and by a
// workflow id, and prints the cells side by side with the paired table and the config difference,
// with --json and --out (HTML, PNG) as well; MLflow holds the same runs, tags, params, metrics and
// artifacts before and after. A third experiment on two of the three classes is refused with exit 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sweepInput } from '../../cli/commands/sweep-command';
import { ExitCode } from '../../cli/exit-codes';
import { hashOf } from '../../configs/canonical-json';
import { experimentSchema } from '../../configs/schema/experiment';
import { repoRoot } from '../../infra/paths';
import type { ExperimentPair } from '../../report/experiment-pair';
import type { Run } from '../../tracking/mlflow-schemas';
import { experimentWorkflow } from '../../workflows/experiment';
import { sweepWorkflow, type SweepOutcome } from '../../workflows/sweep';
import { orchestrationSettings, testStack, type StartedWorkers, type TestStack } from '../support/test-stack';
import { writeTinyManifest } from '../support/tiny-experiment';

let tmp: string;
let stack: TestStack;
let workers: StartedWorkers;
let outcomes: SweepOutcome[];
let sweepExperiment: string;
let twoClasses: { workflowId: string; mlflowExperiment: string };

before(async () => {
  // The command reads fold lists from the store of $SERFLOW_STATE: the workers write there.
  tmp = mkdtempSync(join(tmpdir(), 'serflow-compare-'));
  process.env.SERFLOW_STATE = tmp;
  process.env.SERFLOW_STORE = 'local';
  stack = await testStack();
  workers = await stack.startWorkers({ storeDir: join(tmp, 'store') });
  const dir = writeTinyManifest();
  writeFileSync(join(dir, 'base.yaml'), [
    'name: compare-base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 2, seed: 11, maxFolds: 2 }', 'methods: [none, smote]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  writeFileSync(join(dir, 'sweep.yaml'), ['name: compare-test', 'base: base.yaml', 'search: { kind: grid, space: { svm.C: [0.001, 1] } }', 'concurrency: 1'].join('\n'));
  const tag8 = randomUUID().slice(0, 8);
  const sweep = sweepInput(join(dir, 'sweep.yaml'), workers.settings);
  sweep.input.mlflowExperiment = sweepExperiment = `test-compare-${tag8}`;
  outcomes = (await stack.client.workflow.execute(sweepWorkflow, {
    workflowId: `${sweep.workflowId}-${tag8}`, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [sweep.input],
  })).outcomes;
  assert.equal(outcomes.length, 2);

  // The same corpus with two of its three classes: one fold, one repeat, the baseline alone.
  const config = experimentSchema.parse({
    name: 'compare-two-classes', corpus: { kind: 'manifest', path: 'manifest.csv', labels: ['anger', 'sadness'] }, features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
    protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 11, maxFolds: 1 }, methods: ['none'], classifiers: ['svm'],
  });
  twoClasses = { workflowId: `compare-two-classes-${tag8}`, mlflowExperiment: `test-compare-classes-${tag8}` };
  await stack.client.workflow.execute(experimentWorkflow, {
    workflowId: twoClasses.workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration,
    args: [{ config, configHash: hashOf(config), configDir: dir, mlflowExperiment: twoClasses.mlflowExperiment, orchestration: orchestrationSettings(workers.settings) }],
  });
}, { timeout: 600_000 });

after(async () => {
  await workers?.stop();
  await stack?.client.connection.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const runA = () => outcomes.find((o) => o.values['svm.C'] === 0.001)?.parentRunId as string;
const runB = () => outcomes.find((o) => o.values['svm.C'] === 1)?.parentRunId as string;

/** Every artifact file of a run, with its size, folders walked. */
async function artifactsOf(run: Run, folder?: string): Promise<[string, number | undefined][]> {
  const files: [string, number | undefined][] = [];
  for (const f of await stack.mlflow.listRunArtifacts(run, folder)) {
    if (f.is_dir) files.push(...(await artifactsOf(run, f.path)));
    else files.push([f.path, f.file_size]);
  }
  return files.sort((x, y) => x[0].localeCompare(y[0]));
}

/** Everything MLflow holds of the test's experiments: each run's status, tags, params, metrics and top-level artifacts. */
async function mlflowContents(): Promise<unknown> {
  const contents: Record<string, unknown> = {};
  for (const name of [sweepExperiment, twoClasses.mlflowExperiment]) {
    const experiment = await stack.mlflow.getExperimentByName(name);
    assert.ok(experiment, name);
    const runs: Run[] = await stack.mlflow.searchAllRuns({ experimentIds: [experiment.experiment_id] });
    for (const run of runs.sort((x, y) => x.info.run_id.localeCompare(y.info.run_id))) {
      const sorted = <T extends { key: string }>(xs: T[]) => [...xs].sort((x, y) => x.key.localeCompare(y.key));
      contents[run.info.run_id] = {
        status: run.info.status, end: run.info.end_time, tags: sorted(run.data.tags), params: sorted(run.data.params), metrics: sorted(run.data.metrics),
        artifacts: await artifactsOf(run),
      };
    }
  }
  return contents;
}

test('compare <grid point> <grid point>: the cells side by side, paired by fold, the one config value that differs; nothing logged to MLflow', { timeout: 300_000 }, async () => {
  const before = await mlflowContents();
  const text = await runCompare([runA(), runB()], {});
  assert.equal(text.code, ExitCode.ok, text.stderr);
  console.log(`[compare] serflow compare ${runA()} ${runB()}\n${text.stdout}`);
  assert.match(text.stdout, /^# compare-test-1 \(A\) vs compare-test-2 \(B\)/);
  assert.match(text.stdout, new RegExp(`- A: compare-test-1, run ${runA()}, workflow [^,]+, sweep compare-test-[0-9a-f]+\\n`));
  assert.match(text.stdout, /- both ran serflow commit [0-9a-f]{12}\n/);
  assert.match(text.stdout, /1 difference\(s\) between the recorded configs[^\n]*\n\n\| path \| A \| B \|\n\|---\|---\|---\|\n\| svm\.C \| 0\.001 \| 1 \|\n/);
  assert.match(text.stdout, /\| none \(baseline\) \| - \| SVM \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \| [+-]\d+\.\d\d \|/);
  assert.match(text.stdout, /\| smote \| ratio-1 \| SVM \| \d+\.\d\d ± \d+\.\d\d \|/);
  assert.match(text.stdout, /Both ran the same 2 outer fold\(s\) \(speaker-03, speaker-08; each fold tests the same speakers in both; no speaker held out of either\) with 2 repeat\(s\)/);
  assert.match(text.stdout, /\| none \| - \| SVM \| 2 \| [+-]\d+\.\d\d \| \[[^\]]+\] \| [+-]\d+\.\d\d \| \d\.\d\d\d \| \d\.\d\d\d \| no \|/);
  assert.match(text.stdout, /\| smote \| ratio-1 \| SVM \| 2 \|/);
  assert.ok(!existsSync(join(tmp, 'compare.html')), 'no file without --out');

  // The B − A of each cell is the difference of what MLflow holds on the two parent runs.
  const json = await runCompare([runA(), runB()], { json: true });
  assert.equal(json.code, ExitCode.ok, json.stderr);
  const pair = JSON.parse(json.stdout.trim()) as ExperimentPair & { kind: string; files?: string[] };
  assert.equal(pair.kind, 'experiment-pair');
  assert.equal(pair.files, undefined);
  const [parentA, parentB] = [await stack.mlflow.getRun(runA()), await stack.mlflow.getRun(runB())];
  const metric = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value as number;
  assert.deepEqual(pair.rows.map((r) => r.cellId), ['none/svm', 'smote/ratio-1/svm']);
  for (const row of pair.rows) {
    assert.equal(row.delta?.uar, metric(parentB, `${row.cellId}/uar_mean`) - metric(parentA, `${row.cellId}/uar_mean`), row.cellId);
    assert.equal(row.delta?.wa, metric(parentB, `${row.cellId}/wa_mean`) - metric(parentA, `${row.cellId}/wa_mean`), row.cellId);
    assert.equal(row.paired?.folds, 2, row.cellId);
    assert.ok((row.paired?.ci.low ?? 1) <= (row.paired?.deltaMedian ?? 0) && (row.paired?.deltaMedian ?? 0) <= (row.paired?.ci.high ?? -1), row.cellId);
  }
  assert.deepEqual(pair.config, { recorded: true, differences: [{ path: 'svm.C', a: 0.001, b: 1 }], notCompared: ['name', 'description', 'tracking.experiment'] });
  assert.deepEqual(pair.folds, { matched: true, folds: ['speaker-03', 'speaker-08'], repeats: 2, heldOut: [] });
  assert.deepEqual(pair.classes, ['anger', 'neutral', 'sadness']);
  assert.equal(pair.sameCommit, true);
  assert.deepEqual(await mlflowContents(), before, 'compare logged nothing to MLflow');
});

test('compare --json --out <dir>, A named by its workflow id: the HTML page and the PNG figure, only in <dir>', { timeout: 300_000 }, async () => {
  const before = await mlflowContents();
  const workflowA = (await stack.mlflow.getRun(runA())).data.tags.find((t) => t.key === 'serflow.workflow_id')?.value as string;
  assert.ok(workflowA);
  const out = join(tmp, 'out');
  const result = await runCompare([workflowA, runB()], { json: true, out });
  assert.equal(result.code, ExitCode.ok, result.stderr);
  const pair = JSON.parse(result.stdout.trim()) as ExperimentPair & { outDir: string; files: string[] };
  assert.equal(pair.a.runId, runA(), 'the workflow id names the same experiment as its run id');
  assert.equal(pair.outDir, out);
  assert.deepEqual(pair.files, ['compare-uar.png', 'compare-uar.svg', 'compare-uar.vl.json', 'compare.html', 'compare.json', 'compare.md']);
  assert.deepEqual(readdirSync(out).sort(), pair.files);
  const png = readFileSync(join(out, 'compare-uar.png'));
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.ok(png.length > 5_000 && png.readUInt32BE(16) > 500 && png.readUInt32BE(20) > 200, `PNG of ${png.length} bytes`);
  const html = readFileSync(join(out, 'compare.html'), 'utf8');
  assert.equal((html.match(/<svg /g) ?? []).length, 1, 'the figure inline');
  assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained');
  assert.match(html, /<td>svm\.C<\/td><td>0\.001<\/td><td>1<\/td>/);
  assert.match(html, /<table class="comparisons">/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).rows, pair.rows);
  const spec = JSON.parse(readFileSync(join(out, 'compare-uar.vl.json'), 'utf8')) as { hconcat: { data: { values: { cell: string }[] } }[] };
  assert.deepEqual(spec.hconcat[1]?.data.values.map((v) => v.cell), ['none / SVM', 'smote / ratio-1 / SVM']);
  assert.deepEqual(await mlflowContents(), before, 'compare logged nothing to MLflow');
});

test('compare refuses, with exit 2: two experiments with different class sets (both named), a sweep, a wrong count of ids', { timeout: 300_000 }, async () => {
  const before = await mlflowContents();
  const out = join(tmp, 'refused');
  const classes = await runCompare([runA(), twoClasses.workflowId], { out });
  assert.equal(classes.code, ExitCode.badInput, classes.stderr);
  assert.match(classes.stderr, /serflow compare: A \(compare-test-1, run [0-9a-f]{32}\) and B \(compare-two-classes, run [0-9a-f]{32}\) cannot be compared cell by cell: the class sets differ: A has anger, neutral, sadness; B has anger, sadness\. Fix: /);
  assert.ok(!existsSync(out), 'nothing written');
  const sweepRunId = (await stack.mlflow.getRun(runA())).data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value as string;
  const sweep = await runCompare([sweepRunId, runB()], {});
  assert.equal(sweep.code, ExitCode.badInput, sweep.stderr);
  assert.match(sweep.stderr, /is a sweep, not one experiment; its configurations: compare-test-1 \([0-9a-f]{32}\), compare-test-2/);
  const one = await runCompare([runA()], {});
  assert.equal(one.code, ExitCode.badInput);
  assert.match(one.stderr, /give two experiments \(got 1\)\nusage: serflow compare/);
  assert.deepEqual(await mlflowContents(), before, 'compare logged nothing to MLflow');
});

/** bin/serflow compare in a child process, as a user runs it: its stdout and stderr are its own. */
async function runCompare(ids: string[], options: { json?: boolean; out?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [...ids, ...(options.json ? ['--json'] : []), ...(options.out !== undefined ? ['--out', options.out] : [])];
  const child = spawn(join(repoRoot, 'bin', 'serflow'), ['compare', ...args], {
    cwd: repoRoot, env: { ...process.env, SERFLOW_LOG_LEVEL: 'warn', SERFLOW_LOG_PRETTY: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
