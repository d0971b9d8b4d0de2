/**
 * The activity boundary's retry decision: bad input (InputError) and numerical failures never
 * retry; everything else (I/O, servers, crashes) is left to the retry policy.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { InputError, NumericalError } from '../foundation/errors';

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
    if (err instanceof Error && err.name === 'ZodError') {
      throw ApplicationFailure.create({ type: 'InputError', message: err.message, nonRetryable: true });
    }
    throw err;
  }
}
