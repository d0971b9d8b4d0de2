/**
 * `serflow dashboard` on a finished Optuna sweep, against the real test stack and its Optuna
 * storage: every id serflow prints for the sweep (sweep id, workflow id, MLflow run id) finds its
 * study; the command, as a user runs it (bin/serflow dashboard), starts
 * optuna-dashboard on 127.0.0.1 and a free port and prints the study page, which a real browser
 * (Debian's chromium driven by playwright-core, headless) shows with the study's name, best trial
 * and number of trials; SIGTERM ends the command and the dashboard with it. An unknown id and a
 * sweep that is not an Optuna sweep exit 2, naming the id and the fix; a missing venv names
 * `npm run setup`. Screenshots are kept in test/output/ to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { dashboardCommand } from '../../cli/commands/dashboard-command';
import { installation, optunaStorage } from '../../composition/runtime-deps';
import { isAlive } from '../../infra/stack/managed-process';
import { isPortOpen } from '../../infra/stack/port-probe';
import { resolveSweepStudy } from '../../report/sweep-study';
import { MlflowClient } from '../../tracking/mlflow-client';
import { requireOptunaDashboard } from '../../tracking/optuna/optuna-dashboard';
import { optunaSweepWorkflow } from '../../workflows/optuna-sweep';
import { repo, runsOf, serflowBin, tag, waitFor, withDeadline } from '../support/fault-kit';
import { optunaLaunch, writeOptunaSweep } from '../support/optuna-sweep-fixture';
import { useTestStack } from '../support/test-stack';

const output = join(__dirname, '..', 'output');
let chromiumPath: string | undefined;
try {
  chromiumPath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
} catch {
  chromiumPath = undefined;
}

const fixture = useTestStack();
let browser: Browser | undefined;
let dashboardProcess: ChildProcess | undefined;

after(async () => {
  await browser?.close();
  // A failed assertion must not leave the command (and its dashboard, which ends with it) running.
  if (dashboardProcess && dashboardProcess.exitCode === null && dashboardProcess.signalCode === null) dashboardProcess.kill('SIGKILL');
});

/** What dashboardCommand writes to stderr while `run` runs, and its exit code. */
async function withStderr(run: () => Promise<number>): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await run(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

/** Pids of the processes whose parent is `pid`. */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const children: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) {
        children.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
      }
    } catch {
      // ended while we looked
    }
  }
  return children;
}

test('a missing virtualenv is named with its fix before anything else is asked', () => {
  assert.throws(() => requireOptunaDashboard('/nonexistent/venv/bin/python'), /no Python virtualenv at \/nonexistent\/venv.*Fix: run `npm run setup`/);
});

test('an unknown id, and a sweep that is not an Optuna sweep, exit 2 naming the id and the fix', { timeout: 120_000 }, async () => {
  const { stack } = fixture;
  const unknown = await withStderr(() => dashboardCommand('no-such-sweep-4711', { json: false }));
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /no sweep has the id "no-such-sweep-4711": the Optuna storage .* has no study of that name, and no experiment or sweep run in MLflow/);
  assert.match(unknown.stderr, /Fix: give the sweep id, its workflow id/);

  // A grid sweep's run, as openSweep logs it: a sweep without a study.
  const experiment = await stack.mlflow.ensureExperiment(`test-dashboard-grid-${Date.now()}`);
  const gridId = `grid-dashboard-${Date.now()}`;
  const { run } = await stack.runs.ensureRun({ experimentId: experiment.experiment_id, key: `sweep/${gridId}`, name: `sweep ${gridId}`, tags: { 'serflow.kind': 'sweep', 'serflow.sweep_id': gridId } });
  for (const id of [run.info.run_id, gridId]) {
    const grid = await withStderr(() => dashboardCommand(id, { json: true }));
    assert.equal(grid.code, 2, grid.stderr);
    assert.match(grid.stderr, new RegExp(`sweep ${gridId} \\(run ${run.info.run_id}\\) is not an Optuna sweep.*Fix: optuna-dashboard shows sweeps with \`search: \\{ kind: optuna \\}\``));
  }
});

test('serflow dashboard serves a finished Optuna sweep\'s study on 127.0.0.1: the page shows its name, best trial and trials; SIGTERM stops it and its dashboard', {
  timeout: 600_000, skip: chromiumPath ? false : 'chromium is not installed (infra/setup.sh debian installs it as root)',
}, async () => {
  const { stack, workers } = fixture;
  // Three trials of four folds, nothing pruned: seconds on two cores (features are memoised after the first trial).
  const { input, workflowId } = optunaLaunch(writeOptunaSweep({ trials: 3, pruner: 'none' }), workers.settings);
  await stack.client.workflow.execute(optunaSweepWorkflow, { workflowId, taskQueue: workers.settings.temporal.taskQueues.orchestration, args: [input] });
  const study = input.study.study;
  const summary = await installation.optunaStudies().summary({ study });
  assert.equal(summary.trials.length, 3);
  const best = summary.best[0];
  assert.ok(best, 'the study has a best trial');
  const sweepRun = (await runsOf(stack.mlflow, input.mlflowExperiment)).find((r) => tag(r, 'serflow.kind') === 'sweep');
  assert.ok(sweepRun, 'the sweep has its MLflow run');

  // Every id serflow prints for the sweep names its study.
  const deps = { mlflow: new MlflowClient({ baseUrl: stack.settings.mlflow.trackingUri }), studies: installation.optunaStudies(), storage: optunaStorage() };
  for (const id of [workflowId, input.sweepId, sweepRun.info.run_id, study]) {
    assert.equal((await resolveSweepStudy(deps, id)).study, study, `${id} finds the study`);
  }

  // The command as a user runs it, by the sweep's MLflow run id.
  const child = spawn(serflowBin, ['dashboard', sweepRun.info.run_id, '--json'], {
    cwd: repo, stdio: ['ignore', 'pipe', 'pipe'],
  });
  dashboardProcess = child;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const line = await waitFor(`the dashboard's line (stderr so far: ${stderr})`, () => {
    assert.equal(child.exitCode, null, `the command exited early: ${stderr}`);
    return stdout.includes('\n') ? stdout.split('\n')[0] : undefined;
  }, 120_000);
  const printed = JSON.parse(line as string) as { url: string; storage: string; study: string; trials: number };
  assert.equal(printed.study, study);
  assert.equal(printed.trials, 3);
  assert.equal(printed.storage, optunaStorage(), 'the storage as configured (no password in a SQLite URL)');
  const url = /^http:\/\/127\.0\.0\.1:(\d+)\/dashboard\/studies\/\d+$/.exec(printed.url);
  assert.ok(url, `a study page on 127.0.0.1: ${printed.url}`);
  const port = Number(url[1]);
  const servers = childrenOf(child.pid as number).filter((c) => c.cmdline.includes('optuna_dashboard_server.py'));
  assert.equal(servers.length, 1, 'one dashboard server, a child of the command');
  const server = servers[0] as { pid: number };

  mkdirSync(output, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath as string,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(printed.url);
  // The study page's title bar: "<study name> (id=<n>)"; its best-trial card.
  await page.getByText(`${study} (id=`).first().waitFor({ timeout: 60_000 });
  await page.getByText(`Best Trial (number=${best.number})`).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(output, 'optuna-dashboard-study.png'), fullPage: true });
  await page.goto(`${printed.url}/trials`);
  await page.getByText(`${summary.trials.length} Trials`, { exact: true }).first().waitFor({ timeout: 30_000 });
  for (const t of summary.trials) await page.getByText(`Trial ${t.number}`, { exact: true }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(output, 'optuna-dashboard-trials.png'), fullPage: true });
  await browser.close();
  browser = undefined;

  child.kill('SIGTERM');
  const end = await withDeadline(exited, 30_000, 'the command to end after SIGTERM');
  assert.deepEqual(end, { code: 0, signal: null }, `the command ends with 0 after SIGTERM (stderr: ${stderr})`);
  assert.equal(isAlive(server.pid), false, 'the dashboard server is gone');
  assert.equal(await isPortOpen('127.0.0.1', port), false, 'nothing listens on its port');
});
