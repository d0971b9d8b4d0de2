/**
 * The serflow command line. Each command lives in its own module; this file parses the command
 * line, runs the command, and maps errors to exit codes and one clear message.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../foundation/errors';
import { stateDir } from '../infra/paths';
import { StackError } from '../infra/stack/stack';
import { redactText } from '../logging/redact';
import { dataCommand, dataOptions } from './commands/data-command';
import { ExitCode } from './exit-codes';
import { rerunWithoutTensorflowBanner } from './launch/child-stderr';
import { stackCommand } from './commands/stack-command';

const USAGE = `usage: serflow <command> [options]

commands:
  run <config.yaml>        run an experiment (attaches if the same config is running), follow it, print the table
  sweep <sweep.yaml>       run a sweep of experiments (attaches if the same sweep is running)
  status [id]              an experiment's or sweep's state and progress (no id: list them)
  list                     experiments and sweeps known to Temporal
  resume <id>              continue a failed, cancelled or terminated experiment or sweep; no finished work is redone
  cancel <id>              cancel a running experiment or sweep (finished work is kept)
  report <id> --out <dir>  Table 1, curves, maps and an HTML report of an experiment or sweep (also logged to MLflow)
  compare <A> <B>          two experiments cell by cell: both Table 1s side by side with B - A, per-fold paired
                           statistics when they ran the same folds, what differs in config and commit
                           (--out <dir>: HTML page and PNG figure; --json); reads only, logs nothing to MLflow
  dashboard <sweep id>     optuna-dashboard on an Optuna sweep's study, on 127.0.0.1 and a free port (--port N), until Ctrl-C
  data fetch emodb         download EMO-DB to ../shared/emodb (--to DIR); offline, says where to put it
  data manifest <corpus> <folder>   a CSV manifest from the file names of ravdess, crema-d, savee, tess or emodb
                           (--out FILE.csv, --skip-bad-names, --force)
  worker                   run a worker: --queues orchestration,compute,extraction (default: all)  --compute-concurrency N  --short-concurrency N
  stack up|down|status     start, stop or show the embedded Temporal dev server and MLflow server

options:
  --id <workflow id>       (run) use this workflow id instead of the one derived from the config
  --no-worker              (run) do not start a worker in this process (use separate \`serflow worker\`s)
  --detach                 (run) start and return at once
  --plan                   (run) print the folds, evaluations, GAN trainings and fit sets, and an estimated
                           wall time from a short calibration; launch nothing, no stack needed
                           (--no-calibrate: no estimate; --calibrate-seconds N; --dim N: the feature dimension)
  --port <n>               (dashboard) listen on this port instead of a free one
  --json                   machine-readable output
  -h, --help               this text
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      id: { type: 'string' },
      'no-worker': { type: 'boolean' },
      detach: { type: 'boolean' },
      plan: { type: 'boolean' },
      'no-calibrate': { type: 'boolean' },
      'calibrate-seconds': { type: 'string' },
      dim: { type: 'string' },
      queues: { type: 'string' },
      'compute-concurrency': { type: 'string' },
      'short-concurrency': { type: 'string' },
      'exit-with-parent': { type: 'boolean' },
      out: { type: 'string' },
      port: { type: 'string' },
      to: { type: 'string' },
      url: { type: 'string' },
      'skip-bad-names': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  const json = values.json === true;
  // Every serflow process of this state folder (the compute worker inherits it) logs there in
  // full; a terminal sees warnings and errors only (logging/logger.ts).
  process.env.SERFLOW_LOG_FILE ??= join(stateDir(), 'logs', 'serflow.log');
  const rerunArgs = loadsTensorflow(command, values) ? argv : command === 'worker' && process.stderr.isTTY ? [...argv, '--exit-with-parent'] : undefined;
  const rerun = rerunArgs && rerunWithoutTensorflowBanner(__filename, rerunArgs);
  if (rerun) return rerun;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? ExitCode.ok : ExitCode.badInput;
  }
  switch (command) {
    case 'stack':
      return stackCommand(rest[0], json);
    case 'run': {
      if (!rest[0]) return usage('run needs a config file: serflow run configs/quick.yaml');
      return commands.run().runCommand(rest[0], {
        ...(typeof values.id === 'string' ? { id: values.id } : {}),
        worker: values['no-worker'] !== true, json, detach: values.detach === true,
        ...(values.plan === true ? { plan: planOptions(values) } : {}),
      });
    }
    case 'sweep':
      if (!rest[0]) return usage('sweep needs a sweep config: serflow sweep configs/sweep-lambda.yaml');
      return commands.sweep().sweepCommand(rest[0], { worker: values['no-worker'] !== true, json, detach: values.detach === true });
    case 'status':
      return commands.manage().statusCommand(rest[0] && (await workflowIdOf(rest[0])), json);
    case 'list':
      return commands.manage().listCommand(json);
    case 'cancel':
      if (!rest[0]) return usage('cancel needs an id (see serflow list)');
      return commands.manage().cancelCommand(await workflowIdOf(rest[0]));
    case 'resume':
      if (!rest[0]) return usage('resume needs an id (see serflow list)');
      return commands.manage().resumeCommand(await workflowIdOf(rest[0]), { worker: values['no-worker'] !== true, json, detach: values.detach === true });
    case 'report':
      if (!rest[0]) return usage('report needs an experiment or sweep id: serflow report <id> --out <dir>');
      return commands.report().reportCommand(rest[0], { out: stringOption(values.out) ?? '', json });
    case 'compare': {
      // compareCommand says itself what is wrong with the number of ids.
      const out = stringOption(values.out);
      return commands.compare().compareCommand(rest, { json, ...(out === undefined ? {} : { out }) });
    }
    case 'dashboard': {
      if (!rest[0]) return usage('dashboard needs an Optuna sweep id: serflow dashboard <sweep id>');
      const port = numberOption(values.port, '--port', 1, 65535);
      return commands.dashboard().dashboardCommand(rest[0], { json, ...(port === undefined ? {} : { port }) });
    }
    case 'data':
      return dataCommand(rest, dataOptions(values));
    case 'worker':
      return commands.worker().workerCommand({
        queues: stringOption(values.queues),
        computeConcurrency: intOption(values['compute-concurrency'], '--compute-concurrency'),
        shortConcurrency: intOption(values['short-concurrency'], '--short-concurrency'),
        exitWithParent: values['exit-with-parent'] === true,
      });
    default:
      process.stderr.write(`serflow: unknown command '${command}'\n\n${USAGE}`);
      return ExitCode.badInput;
  }
}

/**
 * Commands that run workflows load tfjs and the Temporal worker; they are required only when
 * used, so that `stack`, `status` and `--help` answer at once.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */
const commands = {
  run: () => require('./commands/run-command') as typeof import('./commands/run-command'),
  worker: () => require('./commands/worker-command') as typeof import('./commands/worker-command'),
  sweep: () => require('./commands/sweep-command') as typeof import('./commands/sweep-command'),
  manage: () => require('./commands/manage-commands') as typeof import('./commands/manage-commands'),
  report: () => require('./commands/report-command') as typeof import('./commands/report-command'),
  compare: () => require('./commands/compare-command') as typeof import('./commands/compare-command'),
  dashboard: () => require('./commands/dashboard-command') as typeof import('./commands/dashboard-command'),
  ids: () => require('./launch/workflow-id-resolution') as typeof import('./launch/workflow-id-resolution'),
};
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */

/** Every id serflow prints (workflow, sweep or MLflow run id) names its workflow here. */
function workflowIdOf(id: string): Promise<string> {
  return commands.ids().resolveWorkflowIdOnStack(id);
}

/**
 * The commands that load TensorFlow in this process and print no progress line: they run as a
 * child with the banner filtered out (cli/launch/child-stderr.ts). A worker does so only on a
 * terminal, watching this process as its parent: one started by a script or `serflow run` is the
 * process its starter signals.
 */
function loadsTensorflow(command: string | undefined, values: Record<string, unknown>): boolean {
  return command === 'report' || (command === 'run' && values.plan === true);
}

function usage(message: string): number {
  process.stderr.write(`serflow: ${message}\n`);
  return ExitCode.badInput;
}

/** The options of `run --plan`. */
function planOptions(values: Record<string, unknown>): { calibrate: boolean; calibrationSeconds?: number; dim?: number } {
  const seconds = numberOption(values['calibrate-seconds'], '--calibrate-seconds', 1, 600);
  const dim = numberOption(values.dim, '--dim', 1, 1_000_000);
  return { calibrate: values['no-calibrate'] !== true, ...(seconds === undefined ? {} : { calibrationSeconds: seconds }), ...(dim === undefined ? {} : { dim }) };
}

function numberOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new InputError({ field: name, reason: `is ${JSON.stringify(value)}`, fix: `give a whole number from ${min} to ${max}` });
  }
  return n;
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function intOption(value: unknown, name: string): number | undefined {
  return numberOption(value, name, 1, 64);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = redactText(err instanceof Error ? err.message : String(err));
    process.stderr.write(`serflow: error: ${message}\n`);
    if (process.env.SERFLOW_DEBUG && err instanceof Error && err.stack) process.stderr.write(redactText(err.stack) + '\n');
    process.exit(err instanceof InputError ? ExitCode.badInput : err instanceof StackError ? ExitCode.stackUnavailable : ExitCode.failed);
  },
);
