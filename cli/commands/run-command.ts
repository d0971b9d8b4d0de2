/**
 * `serflow run <config>`: launches an experiment (or attaches to the running one with the same
 * config), follows it with a progress bar, and prints the result table and the UI links.
 */
import { loadExperimentConfig } from '../../configs/load/experiment-config';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { routeToOwnStore } from '../../composition/store-routing';
import type { StoreIdentity } from '../../store/store-identity';
import { experimentWorkflow, type ExperimentWorkflowInput } from '../../workflows/experiment';
import { ExitCode } from '../exit-codes';
import { followToEnd } from '../launch/follow-to-end';
import type { PlanCommandOptions } from './plan-command';
import { temporalWorkflowUrl } from '../display/links';
import { experimentWorkflowId } from '../launch/workflow-ids';

export interface RunOptions {
  id?: string;
  worker: boolean;
  json: boolean;
  detach: boolean;
  /** `--plan`: print what the run would do, and an estimate, and launch nothing (cli/commands/plan-command.ts). */
  plan?: Omit<PlanCommandOptions, 'json'>;
}

/** The workflow input of a config file; `settings` (and `store`) as routed by composition/store-routing.ts. */
export function experimentInput(file: string, settings: StackSettings, store?: StoreIdentity): { input: ExperimentWorkflowInput; workflowId: string } {
  const { config, configDir, configHash } = loadExperimentConfig(file);
  const input: ExperimentWorkflowInput = {
    config, configHash, configDir,
    mlflowExperiment: config.tracking.experiment ?? `serflow-${config.name}`,
    orchestration: orchestrationSettings(settings, store),
  };
  return { input, workflowId: experimentWorkflowId(config.name, configHash) };
}

export async function runCommand(file: string, options: RunOptions): Promise<number> {
  if (options.plan) return (await import('./plan-command.js')).planCommand(file, { ...options.plan, json: options.json });
  const configured = loadStackSettings();
  // A bad config exits with 2 before any server is asked for the store's id.
  const { input, workflowId: defaultId } = experimentInput(file, configured);
  const { settings, store } = await routeToOwnStore(configured);
  input.orchestration = orchestrationSettings(settings, store);
  const workflowId = options.id ?? defaultId;
  const client = await connectClient(settings);
  const handle = await client.workflow.start(experimentWorkflow, {
    workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const note = (msg: string) => !options.json && process.stderr.write(`serflow: ${msg}\n`);
  note(`experiment ${workflowId} (${temporalWorkflowUrl(settings, workflowId)})`);
  if (options.detach) {
    if (options.json) process.stdout.write(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId }) + '\n');
    return ExitCode.ok;
  }
  return followToEnd(client, settings, workflowId, options);
}
