/**
 * The expected failures of a command that reads MLflow (report, compare): bad input (an unknown
 * id, an unfinished experiment, a pair that cannot be compared) and an unreachable MLflow, each
 * said in one line prefixed by the command, with its exit code. Anything else is not handled here.
 */
import { InputError } from '../../foundation/errors';
import { MlflowUnavailableError } from '../../tracking/mlflow-errors';
import { ExitCode } from '../exit-codes';

/** Says `error` and returns its exit code when it is an expected failure; rethrows it otherwise. */
export function exitWithExpectedFailure(command: string, error: unknown): number {
  const code = error instanceof InputError ? ExitCode.badInput : error instanceof MlflowUnavailableError ? ExitCode.stackUnavailable : undefined;
  if (code === undefined) throw error;
  process.stderr.write(`serflow ${command}: ${(error as Error).message}\n`);
  return code;
}
