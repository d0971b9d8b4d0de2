/**
 * `serflow run <config>`: launches an experiment (or attaches to the running one with the same
 * config), follows it with a progress bar, and prints the result table and the UI links.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { renderSummaryTable } from '../activities/tracking-activities';
import { loadExperimentConfig } from '../configs/load/experiment-config';
import { loadStackSettings } from '../configs/load/stack-settings';
import type { StackSettings } from '../configs/schema/stack-settings';
import { connectClient } from '../infra/temporal/connection';
import { orchestrationSettings } from '../infra/temporal/orchestration-settings';
import { experimentWorkflow, type ExperimentWorkflowInput, type ExperimentWorkflowResult } from '../workflows/experiment';
import { ExitCode } from './exit-codes';
import { followWorkflow } from './follow-workflow';
import { startInProcessWorkers } from './in-process-workers';
import { mlflowRunUrl, temporalWorkflowUrl } from './links';
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

export async function followToEnd(client: Client, settings: StackSettings, workflowId: string, options: { worker: boolean; json: boolean }): Promise<number> {
  const workers = options.worker ? await startInProcessWorkers(settings) : undefined;
  try {
    const result = await followWorkflow<ExperimentWorkflowResult>(client.workflow.getHandle(workflowId), options.json);
    printResult(settings, workflowId, result, options.json);
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      process.stderr.write(`serflow: experiment ${workflowId} failed: ${cause?.message ?? err.message}\n`);
      const cancelled = cause?.name === 'CancelledFailure' || cause?.name === 'TerminatedFailure';
      process.stderr.write(`serflow: finished work is kept; continue with: serflow resume ${workflowId}\n`);
      return cancelled ? ExitCode.cancelled : ExitCode.failed;
    }
    throw err;
  } finally {
    await workers?.stop();
    await client.connection.close();
  }
}

function printResult(settings: StackSettings, workflowId: string, result: ExperimentWorkflowResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ workflowId, ...result }) + '\n');
    return;
  }
  const out = process.stdout;
  out.write(`\n${renderSummaryTable(result.rows)}\n`);
  out.write(`features: ${result.features.extractor}, ${result.features.rows} utterances x ${result.features.cols} features` +
    `${result.features.skipped ? `, ${result.features.skipped} files skipped` : ''}; ${result.folds} folds, ${result.evaluations} evaluations; ` +
    `memo hits ${result.memoHits}/${result.memoLookups}\n`);
  out.write(`MLflow:   ${mlflowRunUrl(settings, result.experimentId, result.parentRunId)}\n`);
  out.write(`Temporal: ${temporalWorkflowUrl(settings, workflowId)}\n`);
}
