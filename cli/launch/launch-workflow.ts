/**
 * The one launch path of `serflow run`, `sweep` (grid, random and Optuna) and `resume`: route to
 * this process's store, start the workflow (attaching when the same id is running), then either
 * return at once (`--detach`) or follow it to its end with workers in this process. Whatever it
 * opened (the Temporal connection, the workers) is closed on every way out.
 */
import type { Client } from '@temporalio/client';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { routeToOwnStore } from '../../composition/store-routing';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import type { OrchestrationSettings } from '../../workflows/activity-options';
import { temporalWorkflowUrl } from '../display/links';
import { ExitCode } from '../exit-codes';
import { followToEnd } from './follow-to-end';

export interface LaunchOptions {
  /** Start workers in this process (else separate `serflow worker`s serve it). */
  worker: boolean;
  json: boolean;
  /** Start and return at once. */
  detach: boolean;
}

/** A workflow to start: its function, id and input, and the line that says what was launched. */
export interface WorkflowLaunch<I extends { orchestration: OrchestrationSettings }> {
  workflow: (input: I) => Promise<unknown>;
  workflowId: string;
  input: I;
  /** Said on stderr (not with --json) once started, before its Temporal link: "experiment <id>". */
  announce: string;
  /** A line said after it, e.g. how to watch it. */
  hint?: string;
}

/**
 * Starts `launch` on this process's store (composition/store-routing.ts) and follows or detaches.
 * `configured`: the stack settings as loaded; the input's orchestration is routed here, after the
 * caller has validated its config (a bad config exits 2 before any server is asked anything).
 */
export async function launchWorkflow<I extends { orchestration: OrchestrationSettings }>(
  launch: WorkflowLaunch<I>, configured: StackSettings, options: LaunchOptions,
): Promise<number> {
  const { settings, store } = await routeToOwnStore(configured);
  const input: I = { ...launch.input, orchestration: orchestrationSettings(settings, store) };
  return withTemporal(settings, async (client) => {
    const handle = await client.workflow.start(launch.workflow, {
      workflowId: launch.workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    if (!options.json) {
      process.stderr.write(`serflow: ${launch.announce} (${temporalWorkflowUrl(settings, launch.workflowId)})\n`);
      if (launch.hint) process.stderr.write(`serflow: ${launch.hint}\n`);
    }
    if (options.detach) {
      if (options.json) process.stdout.write(JSON.stringify({ workflowId: launch.workflowId, runId: handle.firstExecutionRunId }) + '\n');
      return ExitCode.ok;
    }
    return followToEnd(client, settings, launch.workflowId, options);
  });
}

/** Runs `work` with a Temporal client that is closed afterwards, whatever `work` does. */
export async function withTemporal<T>(settings: StackSettings, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(settings);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}
