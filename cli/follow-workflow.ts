/**
 * Follows a running experiment or sweep: polls its `progress` query and draws a progress bar on
 * a terminal (a log line per 10 % otherwise) until the workflow closes.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';

interface ProgressLike {
  runningFolds?: string[];
  phase?: string;
  evaluationsDone?: number;
  evaluationsTotal?: number;
  experimentsDone?: number;
  experimentsTotal?: number;
  memoHits?: number;
  /** An optuna sweep's. */
  trialsPruned?: number;
  trialsFailed?: number;
  running?: string[];
  best?: { trial: number; values: number[] };
  objectiveNames?: string[];
}

function bar(done: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function describeProgress(p: ProgressLike): { done: number; total: number; text: string } {
  const done = p.experimentsTotal !== undefined ? p.experimentsDone ?? 0 : p.evaluationsDone ?? 0;
  const total = p.experimentsTotal ?? p.evaluationsTotal ?? 0;
  const trials = p.trialsPruned !== undefined;
  const unit = trials ? 'trials' : p.experimentsTotal !== undefined ? 'experiments' : 'evaluations';
  const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
  const best = p.best ? `best trial ${p.best.trial} ${p.best.values.map((v, i) => `${p.objectiveNames?.[i] ?? 'objective'} ${v.toFixed(4)}`).join(', ')}` : 'no trial complete yet';
  const optuna = trials ? `, pruned ${p.trialsPruned}, failed ${p.trialsFailed ?? 0}, running ${p.running?.length ?? 0}, ${best}` : '';
  return { done, total, text: `${bar(done, total)} ${pct}% ${done}/${total} ${unit}${optuna}, phase ${p.phase ?? '?'}, memo hits ${p.memoHits ?? 0}` };
}

/** An experiment's progress with the evaluations of its running fold workflows added in. */
export async function currentProgress(client: Client, handle: WorkflowHandle): Promise<ProgressLike> {
  const p = await handle.query<ProgressLike>('progress');
  let running = 0;
  for (const id of p.runningFolds ?? []) {
    try {
      running += (await client.workflow.getHandle(id).query<ProgressLike>('progress')).evaluationsDone ?? 0;
    } catch {
      // the fold has not started yet or just finished
    }
  }
  return { ...p, evaluationsDone: (p.evaluationsDone ?? 0) + running };
}

export async function followWorkflow<T>(client: Client, handle: WorkflowHandle, quiet: boolean): Promise<T> {
  const tty = process.stderr.isTTY === true && !quiet;
  let lastDecile = -1;
  let lastPhase: string | undefined;
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const p = await currentProgress(client, handle);
        const d = describeProgress(p);
        if (tty) process.stderr.write(`\r${d.text}\x1b[K`);
        else if (!quiet) {
          const decile = d.total > 0 ? Math.floor((10 * d.done) / d.total) : 0;
          if (decile !== lastDecile || p.phase !== lastPhase) {
            lastDecile = decile;
            lastPhase = p.phase;
            process.stderr.write(`serflow: ${d.text}\n`);
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
