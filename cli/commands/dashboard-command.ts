/**
 * `serflow dashboard <sweep id> [--port N] [--json]`: optuna-dashboard on an Optuna sweep's
 * study, on 127.0.0.1 and a free port (or --port), until Ctrl-C or SIGTERM. <sweep id>: the sweep
 * id, its workflow id (sweep-...) or its MLflow run id (report/sweep-study.ts). The study is read
 * from SERFLOW_OPTUNA_STORAGE, or the state folder's optuna.sqlite, as the sweep wrote it.
 *
 * Prints one line once the dashboard answers: the study page's link (with --json one JSON line on
 * stdout: url, storage with its password redacted, study, trials). Exit codes: ok after Ctrl-C or
 * SIGTERM (the dashboard is stopped first); badInput for an unknown id, a sweep that is not an
 * Optuna sweep, or a --port that is taken; stackUnavailable when the id needs MLflow and MLflow
 * does not answer; failed when the dashboard dies by itself. A missing venv or optuna-dashboard
 * is an error naming the fix (`npm run setup`), raised before anything else is asked.
 */
import { InputError } from '../../foundation/errors';
import { installation, optunaStorage } from '../../composition/runtime-deps';
import { pythonBin } from '../../infra/paths';
import { describePortHolder } from '../../infra/stack/port-probe';
import { loadStackSettings } from '../../infra/stack-settings';
import { redactText } from '../../logging/redact';
import { resolveSweepStudy } from '../../report/sweep-study';
import { MlflowClient } from '../../tracking/mlflow-client';
import { MlflowUnavailableError } from '../../tracking/mlflow-errors';
import { DashboardPortTaken, requireOptunaDashboard, startOptunaDashboard, type RunningOptunaDashboard } from '../../tracking/optuna/optuna-dashboard';
import { ExitCode } from '../exit-codes';

export async function dashboardCommand(id: string, options: { json: boolean; port?: number }): Promise<number> {
  if (!id) {
    process.stderr.write('usage: serflow dashboard <sweep id | workflow id | MLflow run id> [--port N] [--json]\n');
    return ExitCode.badInput;
  }
  const python = pythonBin();
  requireOptunaDashboard(python);
  const storage = optunaStorage();
  const studies = installation.optunaStudies();
  let dashboard: RunningOptunaDashboard;
  let found: Awaited<ReturnType<typeof resolveSweepStudy>>;
  try {
    // An id that MLflow has to find fails fast when MLflow is down: the sweep id itself needs only the storage.
    const mlflow = new MlflowClient({ baseUrl: loadStackSettings().mlflow.trackingUri, retry: { totalTimeoutMs: 5_000 } });
    found = await resolveSweepStudy({ mlflow, studies, storage }, id);
    studies.close();
    dashboard = await startOptunaDashboard({ python, storage, study: found.study, ...(options.port === undefined ? {} : { port: options.port }) });
  } catch (error) {
    const problem = error instanceof DashboardPortTaken
      ? new InputError({ field: '--port', reason: `port ${error.port} on ${error.host} is taken by ${describePortHolder(error.port)}`, fix: 'give another --port, or leave it out for a free one' })
      : error;
    if (problem instanceof InputError) {
      process.stderr.write(`serflow dashboard: ${redactText(problem.message)}\n`);
      return ExitCode.badInput;
    }
    if (problem instanceof MlflowUnavailableError) {
      process.stderr.write(`serflow dashboard: the Optuna storage ${redactText(storage)} has no study named ${JSON.stringify(id)}, and finding the sweep through MLflow failed: ${redactText(problem.message)}\n`);
      return ExitCode.stackUnavailable;
    }
    throw problem;
  }

  const shown = redactText(storage);
  if (options.json) process.stdout.write(JSON.stringify({ url: dashboard.url, storage: shown, study: found.study, trials: found.trials }) + '\n');
  else process.stdout.write(`optuna-dashboard of study ${found.study} (${found.trials} trials, ${shown}): ${dashboard.url}  (Ctrl-C stops it)\n`);

  const end = await untilStopped(dashboard);
  await dashboard.stop();
  if (end.by === 'signal') return ExitCode.ok;
  process.stderr.write(`serflow dashboard: optuna-dashboard ended by itself (${redactText(end.reason)})\n`);
  return ExitCode.failed;
}

/** Waits for SIGINT or SIGTERM to this process, or the dashboard's own end. */
async function untilStopped(dashboard: RunningOptunaDashboard): Promise<{ by: 'signal' } | { by: 'dashboard'; reason: string }> {
  let onSignal: (() => void) | undefined;
  try {
    return await Promise.race([
      new Promise<{ by: 'signal' }>((resolve) => {
        onSignal = () => resolve({ by: 'signal' });
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }),
      dashboard.ended.then((reason) => ({ by: 'dashboard' as const, reason })),
    ]);
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
