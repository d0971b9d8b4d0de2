/**
 * `serflow run <config>`: launches an experiment (or attaches to the running one with the same
 * config), follows it with a progress bar, and prints the result table and the UI links.
 */
import { loadExperimentConfig } from '../../configs/load/experiment-config';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import type { StoreIdentity } from '../../store/store-identity';
import { experimentWorkflow, type ExperimentWorkflowInput } from '../../workflows/experiment';
import { launchWorkflow } from '../launch/launch-workflow';
import type { PlanCommandOptions } from './plan-command';
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
  const { input, workflowId } = experimentInput(file, configured);
  const id = options.id ?? workflowId;
  return launchWorkflow({ workflow: experimentWorkflow, workflowId: id, input, announce: `experiment ${id}` }, configured, options);
}
