/**
 * Activities that keep failing, from Temporal's pending-activity information: which, in which
 * workflow, on which worker, attempt n of max, the last error in one line, since when. Walks an
 * experiment or a sweep down through its running child workflows (folds, a sweep's experiments),
 * so that `serflow status` and the progress of `run` and `sweep` show a failing activity deep
 * inside instead of a progress bar that stands still.
 */
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';

export interface RetryingActivity {
  workflowId: string;
  activity: string;
  activityId: string;
  /** The attempt running or about to run (2 = failed once). */
  attempt: number;
  /** 0: no limit. */
  maximumAttempts: number;
  /** The worker of the last attempt (pid@host). */
  worker: string | undefined;
  /** The last failure, one line: its type and message. */
  lastError: string;
  /** When the activity was first scheduled (ISO time): it has not finished since. */
  since: string | undefined;
  /** When the next attempt starts, if it is waiting for it (ISO time). */
  nextAttemptAt: string | undefined;
}

/** Workflows described per walk at most: a large sweep's experiments beyond it are not looked into. */
const MAX_WORKFLOWS = 60;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** One line of at most 300 characters. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Every activity that has failed at least once and is still pending, in `workflowId` and its running children. */
export async function retryingActivities(client: Client, workflowId: string): Promise<RetryingActivity[]> {
  const out: RetryingActivity[] = [];
  const queue = [workflowId];
  for (let described = 0; queue.length > 0 && described < MAX_WORKFLOWS; described++) {
    const id = queue.shift() as string;
    let raw;
    try {
      raw = (await client.workflow.getHandle(id).describe()).raw;
    } catch {
      continue; // closed and gone, or not started yet
    }
    for (const child of raw.pendingChildren ?? []) if (child.workflowId) queue.push(child.workflowId);
    const failing = (raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 1) > 1);
    if (failing.length === 0) continue;
    const scheduled = await scheduledTimes(client, id);
    for (const a of failing) {
      const failure = a.lastFailure;
      const type = failure?.applicationFailureInfo?.type ?? (failure?.timeoutFailureInfo ? 'Timeout' : undefined);
      out.push({
        workflowId: id,
        activity: a.activityType?.name ?? '?',
        activityId: a.activityId ?? '?',
        attempt: a.attempt ?? 1,
        maximumAttempts: a.maximumAttempts ?? 0,
        worker: a.lastWorkerIdentity || undefined,
        lastError: oneLine(`${type ? `${type}: ` : ''}${failure?.message ?? '(no failure recorded)'}`),
        since: iso(scheduled.get(a.activityId ?? '')),
        nextAttemptAt: iso(optionalTsToMs(a.nextAttemptScheduleTime)),
      });
    }
  }
  return out;
}

/** activityId -> when it was first scheduled, from the workflow's history (read only when something fails). */
async function scheduledTimes(client: Client, workflowId: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const e of history.events ?? []) {
      const id = e.activityTaskScheduledEventAttributes?.activityId;
      const at = optionalTsToMs(e.eventTime);
      if (id && at !== undefined) times.set(id, at);
    }
  } catch {
    // the history is not readable right now: no "since"
  }
  return times;
}

/** "evaluate in exp/fold-1: attempt 3 of 10 on 123@host, pending since 08:12:03Z: ArtifactNotFoundError: ..." */
export function describeRetrying(a: RetryingActivity): string {
  const max = a.maximumAttempts > 0 ? ` of ${a.maximumAttempts}` : '';
  const since = a.since ? `, pending since ${a.since.slice(11, 19)}Z` : '';
  return `${a.activity} in ${a.workflowId}: attempt ${a.attempt}${max}${a.worker ? ` on ${a.worker}` : ''}${since}: ${a.lastError}`;
}
