/**
 * An extraction no worker can take: feature extraction has a task queue of its own, polled only
 * by the workers started where the corpus folder is (`--queues extraction`, infra/multi-machine.md
 * "The corpus"). With none running, the experiment waits at its extraction and nothing fails;
 * this finds such an extraction in an experiment or sweep (down through its running children)
 * and says in one line which queue waits and which folder the worker needs, for `serflow status`
 * and the progress of `run` and `sweep`.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';

export interface UnservedExtraction {
  workflowId: string;
  queue: string;
  /** The corpus folder the extraction reads, as the config names it. */
  corpus: string | undefined;
  message: string;
}

/** Workflows described per walk at most (as retrying-activities.ts). */
const MAX_WORKFLOWS = 60;
/** PendingActivityState.SCHEDULED: no worker has started it. */
const SCHEDULED = 1;

/** The first extraction waiting on a queue that no worker polls, in `workflowId` or its running children. */
export async function unservedExtraction(client: Client, namespace: string, workflowId: string): Promise<UnservedExtraction | undefined> {
  const queue = [workflowId];
  for (let described = 0; queue.length > 0 && described < MAX_WORKFLOWS; described++) {
    const id = queue.shift() as string;
    let raw;
    try {
      raw = (await client.workflow.getHandle(id).describe()).raw;
    } catch {
      continue;
    }
    for (const child of raw.pendingChildren ?? []) if (child.workflowId) queue.push(child.workflowId);
    const waiting = (raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'extractFeatures' && a.state === SCHEDULED);
    if (waiting.length === 0) continue;
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const a of waiting) {
      const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityId === a.activityId)?.activityTaskScheduledEventAttributes;
      const name = scheduled?.taskQueue?.name;
      if (!name) continue;
      const res = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name, kind: 1 /* NORMAL */ }, taskQueueType: 2 /* ACTIVITY */ });
      if ((res.pollers ?? []).length > 0) continue;
      const payload = scheduled.input?.payloads?.[0];
      const input = payload ? defaultPayloadConverter.fromPayload<{ corpus?: { path?: unknown }; configDir?: unknown }>(payload) : undefined;
      const corpus = typeof input?.corpus?.path === 'string' ? input.corpus.path : undefined;
      const where = corpus ? `the corpus folder ${corpus}${typeof input?.configDir === 'string' && !corpus.startsWith('/') ? ` (relative to ${input.configDir})` : ''}` : 'the corpus folder';
      return {
        workflowId: id, queue: name, corpus,
        message: `no worker polls ${name}, where ${id} waits to extract its features: start \`serflow worker --queues extraction\` (or compute,extraction) on a machine that has ${where}`,
      };
    }
  }
  return undefined;
}
