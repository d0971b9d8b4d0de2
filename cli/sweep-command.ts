/**
 * `serflow sweep <config>`: expands the sweep, launches it (attaching when the same sweep is
 * already running), follows it and prints one line per configuration.
 */
import { loadSweepConfig } from '../configs/load/sweep-config';
import { loadStackSettings } from '../infra/stack-settings';
import type { StackSettings } from '../configs/schema/stack-settings';
import { connectClient } from '../infra/temporal/connection';
import { orchestrationSettings } from '../composition/orchestration-settings';
import { routeToOwnStore } from '../composition/store-routing';
import type { StoreIdentity } from '../store/store-identity';
import { sweepWorkflow, type SweepWorkflowInput } from '../workflows/sweep';
import { ExitCode } from './exit-codes';
import { temporalWorkflowUrl } from './links';
import { isOptunaSweep, optunaSweepCommand } from './optuna-sweep-command';
import { followToEnd } from './follow-to-end';
import { sweepWorkflowId } from './workflow-ids';

/** The workflow input of a sweep file; `settings` (and `store`) as routed by composition/store-routing.ts. */
export function sweepInput(file: string, settings: StackSettings, store?: StoreIdentity): { input: SweepWorkflowInput; workflowId: string } {
  const { sweep, configDir, points, sweepHash } = loadSweepConfig(file);
  const sweepId = `${sweep.name}-${sweepHash.slice(0, 12)}`;
  return {
    workflowId: sweepWorkflowId(sweepId),
    input: {
      sweepId, sweepConfig: sweep, configDir, concurrency: sweep.concurrency,
      experiments: points.map((p) => ({ config: p.config, configHash: p.configHash, values: p.values })),
      mlflowExperiment: sweep.tracking.experiment ?? `serflow-sweep-${sweep.name}`,
      orchestration: orchestrationSettings(settings, store),
    },
  };
}

export async function sweepCommand(file: string, options: { worker: boolean; json: boolean; detach: boolean }): Promise<number> {
  if (isOptunaSweep(loadSweepConfig(file))) return optunaSweepCommand(file, options);
  const configured = loadStackSettings();
  // A bad sweep exits with 2 before any server is asked for the store's id.
  const { input, workflowId } = sweepInput(file, configured);
  const { settings, store } = await routeToOwnStore(configured);
  input.orchestration = orchestrationSettings(settings, store);
  const client = await connectClient(settings);
  await client.workflow.start(sweepWorkflow, {
    workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input], workflowIdConflictPolicy: 'USE_EXISTING',
  });
  if (!options.json) process.stderr.write(`serflow: sweep ${workflowId}: ${input.experiments.length} configurations (${temporalWorkflowUrl(settings, workflowId)})\n`);
  if (options.detach) {
    if (options.json) process.stdout.write(JSON.stringify({ workflowId }) + '\n');
    await client.connection.close();
    return ExitCode.ok;
  }
  return followToEnd(client, settings, workflowId, options);
}
