/**
 * A child's stderr (a compute worker's, or a command's re-run below), forwarded to ours without
 * TensorFlow's start-up lines: with oneDNN on (compute/tensorflow-kernels.ts) every TensorFlow
 * process prints "oneDNN custom operations are on" through absl before TF_CPP_MIN_LOG_LEVEL
 * applies, and a person running `serflow run` on a terminal should see serflow's warnings and
 * progress, not two library banners per worker. Everything else the child writes is passed on, line by line.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

const TENSORFLOW_STARTUP_LINES = [
  /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/,
  /\bport\.cc:\d+\] oneDNN custom operations are on\./,
];

export function isTensorflowStartupLine(line: string): boolean {
  return TENSORFLOW_STARTUP_LINES.some((pattern) => pattern.test(line));
}

/** On a terminal each line first clears ours: the progress line redrawn there goes below it (cli/launch/follow-workflow.ts). */
export function forwardChildStderr(stderr: Readable, out: NodeJS.WriteStream = process.stderr): void {
  const clear = out.isTTY ? '\r\x1b[K' : '';
  createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => {
    if (!isTensorflowStartupLine(line)) out.write(`${clear}${line}\n`);
  });
}

/** Set in a command re-run by `rerunWithoutTensorflowBanner`, so that it runs the command itself. */
const FILTERED = 'SERFLOW_STDERR_FILTERED';

/**
 * Commands that load TensorFlow in their own process (`report` for the GAN checkpoints, `run
 * --plan` for its calibration, a standalone `worker`) would print its banner too, and a process
 * cannot hide what the C library writes to its own stderr. So such a command runs once more as a
 * child whose stderr passes through `forwardChildStderr`; stdin and stdout are the terminal's.
 * Resolves to the child's exit code (128 + signal number when a signal ended it); undefined when
 * this process is already that child and should run the command itself.
 */
export function rerunWithoutTensorflowBanner(entry: string, argv: readonly string[]): Promise<number> | undefined {
  if (process.env[FILTERED] === '1') return undefined;
  // Its stderr reaches a terminal through a pipe: it logs as it would there (logging/logger.ts:
  // pretty lines, warnings and errors only), as a compute worker child does.
  const pretty = process.stderr.isTTY && process.env.SERFLOW_LOG_PRETTY === undefined ? { SERFLOW_LOG_PRETTY: '1' } : {};
  const child = spawn(process.execPath, [...process.execArgv, entry, ...argv], {
    stdio: ['inherit', 'inherit', 'pipe'], env: { ...process.env, ...pretty, [FILTERED]: '1' },
  });
  forwardChildStderr(child.stderr as Readable);
  // Ctrl-C reaches the child from the terminal; a signal sent to this process alone is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9)));
  });
}
