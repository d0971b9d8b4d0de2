/**
 * Follows a running experiment or sweep: polls its progress (cli/progress-view.ts: evaluations,
 * folds, the GAN trainings' epochs and losses, an ETA) and redraws it on one terminal line (log
 * lines per 10 % and phase otherwise) until the workflow closes.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { detailLines, EtaEstimator, oneLine, progressSnapshot, summaryLine, type ProgressSnapshot } from './progress-view';

/** A workflow's progress now (experiment, sweep or optuna sweep): cli/progress-view.ts. */
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
  const poll = async () => {
    while (!stopped) {
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
