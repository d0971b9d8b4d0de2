/**
 * `serflow run <config>`: launches an experiment (or attaches to the running one with the same
 * config), follows it with a progress bar, and prints the result table and the UI links.
 */
import { loadExperimentConfig } from '../configs/load/experiment-config';
import { loadStackSettings } from '../infra/stack-settings';
import type { StackSettings } from '../configs/schema/stack-settings';
import { connectClient } from '../infra/temporal/connection';
import { orchestrationSettings } from '../composition/orchestration-settings';
import { experimentWorkflow, type ExperimentWorkflowInput } from '../workflows/experiment';
import { ExitCode } from './exit-codes';
import { followToEnd } from './follow-to-end';
import { temporalWorkflowUrl } from './links';
import { experimentWorkflowId } from './workflow-ids';

export interface RunOptions {
  id?: string;
  worker: boolean;
  json: boolean;
  detach: boolean;
}

export function experimentInput(file: string, settings: StackSettings): { input: ExperimentWorkflowInput; workflowId: string } {
  const { config, configDir, configHash } = loadExperimentConfig(file);
  const input: ExperimentWorkflowInput = {
    config, configHash, configDir,
    mlflowExperiment: config.tracking.experiment ?? `serflow-${config.name}`,
    orchestration: orchestrationSettings(settings),
  };
  return { input, workflowId: experimentWorkflowId(config.name, configHash) };
}

export async function runCommand(file: string, options: RunOptions): Promise<number> {
  const settings = loadStackSettings();
  const { input, workflowId: defaultId } = experimentInput(file, settings);
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
