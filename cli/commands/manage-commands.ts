/**
 * `serflow status [id]`, `list`, `cancel <id>`, `resume <id>`: what users do with experiments
 * and sweeps that already exist. `resume` continues a failed, terminated or cancelled
 * execution from its recorded input: every finished activity is found in the memo, so no
 * finished work is redone.
 */
import { defaultPayloadConverter, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { withTemporal, type LaunchOptions } from '../launch/launch-workflow';
import { ExitCode } from '../exit-codes';
import { followToEnd } from '../launch/follow-to-end';
import { currentProgress, describeProgress } from '../launch/follow-workflow';
import { temporalWorkflowUrl } from '../display/links';
import { recordedStore, storeMismatchLine, unservedQueue, type Unserved } from '../diagnostics/store-mismatch';
import { unservedExtraction, type UnservedExtraction } from '../diagnostics/unserved-extraction';
import { describeRetrying, retryingActivities, type RetryingActivity } from '../diagnostics/retrying-activities';
import { routeToOwnStore, splitQueue } from '../../composition/store-routing';

const TYPES = ['experimentWorkflow', 'sweepWorkflow', 'optunaSweepWorkflow'];

function withClient<T>(work: (client: Client, settings: StackSettings) => Promise<T>): Promise<T> {
  const settings = loadStackSettings();
  return withTemporal(settings, (client) => work(client, settings));
}

async function describeOrFail(client: Client, id: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
    throw err;
  }
}

function notFound(id: string): number {
  process.stderr.write(`serflow: no experiment or sweep with id ${JSON.stringify(id)}. See \`serflow list\`.\n`);
  return ExitCode.badInput;
}

export async function listCommand(json: boolean): Promise<number> {
  return withClient(async (client) => {
    const rows: { id: string; type: string; status: string; start: string }[] = [];
    for await (const w of client.workflow.list({ query: TYPES.map((t) => `WorkflowType = '${t}'`).join(' OR ') })) {
      rows.push({ id: w.workflowId, type: w.type, status: w.status.name, start: w.startTime.toISOString() });
      if (rows.length >= 200) break;
    }
    if (json) process.stdout.write(JSON.stringify(rows) + '\n');
    else for (const r of rows) process.stdout.write(`${r.status.padEnd(11)} ${r.type.padEnd(19)} ${r.start}  ${r.id}\n`);
    return ExitCode.ok;
  });
}

export async function statusCommand(id: string | undefined, json: boolean): Promise<number> {
  if (!id) return listCommand(json);
  return withClient(async (client, settings) => {
    const description = await describeOrFail(client, id);
    if (!description) return notFound(id);
    const status = description.status.name;
    let progress: unknown;
    let retrying: RetryingActivity[] = [];
    let unserved: Unserved | undefined;
    let extraction: UnservedExtraction | undefined;
    if (status === 'RUNNING') {
      try {
        progress = await currentProgress(client, client.workflow.getHandle(id));
      } catch {
        progress = undefined; // no worker is polling right now
      }
      retrying = await retryingActivities(client, id);
      unserved = await unservedQueue(client, settings.temporal.namespace, id, description.taskQueue).catch(() => undefined);
      if (!unserved) extraction = await unservedExtraction(client, settings.temporal.namespace, id).catch(() => undefined);
    }
    if (json) {
      process.stdout.write(JSON.stringify({ id, type: description.type, status, progress, retrying, ...(unserved ? { unserved } : {}), ...(extraction ? { unservedExtraction: extraction } : {}) }) + '\n');
    } else {
      process.stdout.write(`${id}: ${description.type} ${status}\n`);
      if (progress) process.stdout.write(`  ${describeProgress(progress as Parameters<typeof describeProgress>[0]).text}\n`);
      else if (status === 'RUNNING' && !unserved) process.stdout.write('  (no worker answered: start one with `serflow worker`)\n');
      if (unserved) process.stdout.write(`  ${unserved.message}\n`);
      if (extraction) process.stdout.write(`  ${extraction.message}\n`);
      for (const a of retrying) process.stdout.write(`  retrying: ${describeRetrying(a)}\n`);
      process.stdout.write(`  ${temporalWorkflowUrl(settings, id)}\n`);
    }
    return status === 'FAILED' || status === 'TIMED_OUT' ? ExitCode.failed : status === 'CANCELLED' || status === 'TERMINATED' ? ExitCode.cancelled : ExitCode.ok;
  });
}

export async function cancelCommand(id: string): Promise<number> {
  return withClient(async (client) => {
    const description = await describeOrFail(client, id);
    if (!description) return notFound(id);
    if (description.status.name !== 'RUNNING') {
      process.stderr.write(`serflow: ${id} is ${description.status.name}, not running\n`);
      return ExitCode.ok;
    }
    await client.workflow.getHandle(id).cancel();
    process.stderr.write(`serflow: cancellation requested for ${id}; finished work is kept (serflow resume ${id})\n`);
    return ExitCode.ok;
  });
}

/**
 * Starts a closed (failed, cancelled, terminated, timed out) execution again under the same id
 * with the input its history recorded: the same config, not whatever the file says now.
 */
export async function restartFromRecordedInput(client: Client, id: string, description?: WorkflowExecutionDescription): Promise<void> {
  const info = description ?? (await client.workflow.getHandle(id).describe());
  const history = await client.workflow.getHandle(id).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const args = (started?.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
  await client.workflow.start(info.type, { workflowId: id, taskQueue: info.taskQueue, args, workflowIdConflictPolicy: 'USE_EXISTING' });
}

export async function resumeCommand(id: string, options: LaunchOptions): Promise<number> {
  const configured = loadStackSettings();
  return withTemporal(configured, async (client) => {
    const description = await describeOrFail(client, id);
    if (!description) return notFound(id);
    // Workers here serve it only on its own store's queues (composition/store-routing.ts); an
    // execution from before store routing runs on the configured queues as they are.
    const recordedStoreId = splitQueue(description.taskQueue).storeId;
    const own = recordedStoreId === undefined ? undefined : await routeToOwnStore(configured);
    const settings = own?.settings ?? configured;
    let follow = options;
    if (own && recordedStoreId !== own.store.id && options.worker) {
      const other = (await recordedStore(client, id).catch(() => undefined)) ?? { id: recordedStoreId as string, location: 'location not recorded' };
      process.stderr.write(`serflow: ${storeMismatchLine(id, other, own.store, 'this process\'s')}\n`);
      follow = { ...options, worker: false };
    }
    const status = description.status.name;
    if (status !== 'RUNNING' && status !== 'COMPLETED') {
      if (!TYPES.includes(description.type)) {
        process.stderr.write(`serflow: ${id} is a ${description.type}; resume an experiment or a sweep\n`);
        return ExitCode.badInput;
      }
      await restartFromRecordedInput(client, id, description);
      if (!options.json) process.stderr.write(`serflow: ${id} was ${status}; resumed from its recorded input (finished work comes from the memo)\n`);
    } else if (!options.json) {
      process.stderr.write(`serflow: ${id} is ${status}; ${status === 'RUNNING' ? 'attaching' : 'showing its result'}\n`);
    }
    return options.detach ? ExitCode.ok : followToEnd(client, settings, id, follow);
  });
}
