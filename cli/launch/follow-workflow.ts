/**
 * Follows a running experiment or sweep: polls its progress (cli/display/progress-view.ts: evaluations,
 * folds, the GAN trainings' epochs and losses, an ETA) and redraws it on one terminal line (log
 * lines per 10 % and phase otherwise) until the workflow closes. Every RETRY_CHECK_MS it
 * also looks for activities that keep failing (retrying-activities.ts) and prints a line for each
 * new failed attempt, so a stalled bar is explained within seconds of the first failure; and
 * says so once when no worker polls the workflow's queue (two checks in a row, so that workers
 * starting beside it are not taken for missing).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { detailLines, EtaEstimator, oneLine, progressSnapshot, summaryLine, type ProgressSnapshot } from '../display/progress-view';
import { describeRetrying, retryingActivities } from '../diagnostics/retrying-activities';
import { unservedQueue } from '../diagnostics/store-mismatch';
import { unservedExtraction } from '../diagnostics/unserved-extraction';

const RETRY_CHECK_MS = 10_000;

/** A workflow's progress now (experiment, sweep or optuna sweep): cli/display/progress-view.ts. */
export async function currentProgress(client: Client, handle: WorkflowHandle): Promise<ProgressSnapshot> {
  return progressSnapshot(client, handle.workflowId);
}

/** The summary line, and a line per running fold or experiment. */
export function describeProgress(p: ProgressSnapshot, etaMs?: number): { done: number; total: number; text: string; details: string[] } {
  return { done: p.done, total: p.total, text: summaryLine(p, etaMs), details: detailLines(p) };
}

export async function followWorkflow<T>(client: Client, handle: WorkflowHandle, quiet: boolean): Promise<T> {
  const tty = process.stderr.isTTY === true && !quiet;
  let lastDecile = -1;
  let lastPhase: string | undefined;
  let stopped = false;
  const eta = new EtaEstimator();
  let nextRetryCheck = Date.now() + RETRY_CHECK_MS / 2;
  const reported = new Map<string, number>();
  let unservedChecks = 0;
  let extractionChecks = 0;
  const poll = async () => {
    while (!stopped) {
      if (!quiet && Date.now() >= nextRetryCheck) {
        nextRetryCheck = Date.now() + RETRY_CHECK_MS;
        for (const a of await retryingActivities(client, handle.workflowId).catch(() => [])) {
          const key = `${a.workflowId} ${a.activityId}`;
          if (reported.get(key) === a.attempt) continue;
          reported.set(key, a.attempt);
          process.stderr.write(`${tty ? '\n' : ''}serflow: retrying: ${describeRetrying(a)}\n`);
        }
        if (unservedChecks < 2) {
          const queue = (await handle.describe().catch(() => undefined))?.taskQueue;
          const unserved = queue ? await unservedQueue(client, client.options.namespace, handle.workflowId, queue).catch(() => undefined) : undefined;
          unservedChecks = unserved ? unservedChecks + 1 : 0;
          if (unserved && unservedChecks === 2) process.stderr.write(`${tty ? '\n' : ''}serflow: waiting: ${unserved.message}\n`);
        }
        if (extractionChecks < 2) {
          const waiting = await unservedExtraction(client, client.options.namespace, handle.workflowId).catch(() => undefined);
          extractionChecks = waiting ? extractionChecks + 1 : 0;
          if (waiting && extractionChecks === 2) process.stderr.write(`${tty ? '\n' : ''}serflow: waiting: ${waiting.message}\n`);
        }
      }
      try {
        const p = await currentProgress(client, handle);
        const etaMs = eta.observe(p);
        // One line redrawn in place: lines printed between redraws (retries) stay readable.
        if (tty) process.stderr.write(`\r${oneLine(p, etaMs, (process.stderr.columns || 120) - 1)}\x1b[K`);
        else if (!quiet) {
          const d = describeProgress(p, etaMs);
          const decile = d.total > 0 ? Math.floor((10 * d.done) / d.total) : 0;
          if (decile !== lastDecile || p.phase !== lastPhase) {
            lastDecile = decile;
            lastPhase = p.phase;
            process.stderr.write(`serflow: ${d.text}\n${d.details.map((l) => `serflow: ${l}\n`).join('')}`);
          }
        }
      } catch {
        // no worker has answered the query yet, or the workflow just closed
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const polling = poll();
  try {
    return (await handle.result()) as T;
  } finally {
    stopped = true;
    await polling;
    if (tty) process.stderr.write('\n');
  }
}
