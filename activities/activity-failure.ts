/**
 * The activity boundary's retry decision: bad input (InputError), numerical failures and a
 * missing input artifact never retry; everything else (I/O, servers, crashes) is left to the
 * retry policy.
 *
 * A missing artifact is an input: the activity that made it has finished, and every worker that
 * can take the retry has this very store (composition/store-routing.ts), so a retry would find it
 * missing again, for the whole retry budget. (Outputs and memo entries are looked up by name, and
 * a missing one is a miss that is recomputed, not this error.)
 */
import { ApplicationFailure } from '@temporalio/activity';
import { InputError, NumericalError } from '../foundation/errors';
import { ArtifactNotFoundError } from '../store/store-errors';

export async function withFailureMapping<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InputError) {
      throw ApplicationFailure.create({ type: 'InputError', message: err.message, nonRetryable: true, details: [err.details] });
    }
    if (err instanceof NumericalError) {
      throw ApplicationFailure.create({ type: 'NumericalError', message: err.message, nonRetryable: true, details: [err.details] });
    }
    if (err instanceof ArtifactNotFoundError) {
      throw ApplicationFailure.create({
        type: 'ArtifactNotFoundError', nonRetryable: true, details: [err.details],
        message: `input artifact missing: ${err.message}; no retry can bring it back (it was removed, or made in another store). ` +
          'Fix: `serflow resume <experiment id>` recomputes it',
      });
    }
    if (err instanceof Error && err.name === 'ZodError') {
      throw ApplicationFailure.create({ type: 'InputError', message: err.message, nonRetryable: true });
    }
    throw err;
  }
}
