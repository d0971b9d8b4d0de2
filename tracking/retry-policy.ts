/**
 * Exponential backoff with full jitter, bounded by a total time budget rather than an attempt
 * count: what matters to a caller is how long an outage it can ride out. The default budget
 * (120 s) rides out a 60 s server restart with room for the request in flight when it ended.
 */
import { z } from 'zod';

export const retryPolicySchema = z.strictObject({
  /** Upper bound of the first delay, ms. Default 250. */
  initialDelayMs: z.number().positive().default(250),
  /** Cap of a single delay, ms. Default 5000. */
  maxDelayMs: z.number().positive().default(5000),
  /** Growth of the delay bound per attempt. Default 2. */
  multiplier: z.number().min(1).default(2),
  /** No new attempt starts after this much time since the first one, ms. Default 120000. 0 disables retries. */
  totalTimeoutMs: z.number().nonnegative().default(120_000),
});
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

export interface RetryDecision {
  retry: boolean;
  /** A lower bound for the next delay, e.g. from a Retry-After header. */
  minDelayMs?: number;
}

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(readonly lastError: unknown, readonly attempts: number, readonly elapsedMs: number) {
    super(`gave up after ${attempts} attempts over ${elapsedMs} ms`);
  }
}

/**
 * Runs `attempt` until it succeeds, `decide` says an error is final, or the budget is spent.
 * A final error is rethrown as is; a spent budget throws RetriesExhausted with the last error.
 */
export async function retryWithBackoff<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void,
): Promise<T> {
  const start = Date.now();
  let bound = policy.initialDelayMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry) throw error;
      const elapsed = Date.now() - start;
      const remaining = policy.totalTimeoutMs - elapsed;
      // Full jitter spreads the retries of many workers hitting one recovering server.
      let delay = Math.max(Math.random() * bound, decision.minDelayMs ?? 0);
      if (remaining <= 0) throw new RetriesExhausted(error, n, elapsed);
      // The last attempt is made right at the end of the budget rather than not at all.
      delay = Math.min(delay, remaining);
      onRetry?.({ attempt: n, delayMs: Math.round(delay), error });
      await new Promise((resolve) => setTimeout(resolve, delay));
      bound = Math.min(bound * policy.multiplier, policy.maxDelayMs);
    }
  }
}
