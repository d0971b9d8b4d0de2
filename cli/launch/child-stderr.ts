/**
 * A compute worker child's stderr, forwarded to ours without TensorFlow's start-up lines: with
 * oneDNN on (compute/tensorflow-kernels.ts) every TensorFlow process prints "oneDNN custom
 * operations are on" through absl before TF_CPP_MIN_LOG_LEVEL applies, and a person running
 * `serflow run` on a terminal should see serflow's warnings and progress, not two library
 * banners per worker. Everything else the child writes is passed on, line by line.
 */
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
