/**
 * Follows an experiment or sweep workflow to its end (with workers in this process unless told
 * otherwise) and prints its result: the summary table and links, or one line per sweep point.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { renderSummaryTable } from '../compute/experiment-summary';
import type { StackSettings } from '../configs/schema/stack-settings';
import type { ExperimentWorkflowResult } from '../workflows/experiment';
import type { SweepOutcome } from '../workflows/sweep';
import { ExitCode } from './exit-codes';
import { followWorkflow } from './follow-workflow';
import { mlflowRunUrl, temporalWorkflowUrl } from './links';
import { isTrialOutcomes, renderTrialOutcomes } from './trial-outcomes';
import type { TrialOutcome } from '../workflows/optuna-sweep';

const INTERRUPTED: unique symbol = Symbol('interrupted');

export async function followToEnd(client: Client, settings: StackSettings, workflowId: string, options: { worker: boolean; json: boolean }): Promise<number> {
  // Required only here: workers load tfjs and every activity, which status-like commands never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
  const workers = options.worker ? await (require('./in-process-workers') as typeof import('./in-process-workers')).startInProcessWorkers(settings) : undefined;
  try {
    const handle = client.workflow.getHandle(workflowId);
    const following = followWorkflow<ExperimentWorkflowResult | SweepOutcome[] | TrialOutcome[]>(client, handle, options.json);
    // Ctrl-C (or SIGTERM) stops this process's workers; without them nothing would ever finish
    // the workflow, so say how to continue instead of following it forever.
    const interrupted = workers?.ended.then((): typeof INTERRUPTED => INTERRUPTED) ?? new Promise<never>(() => undefined);
    const result = await Promise.race([following, interrupted]);
    if (result === INTERRUPTED) {
      following.catch(() => undefined);
      process.stderr.write(`\nserflow: interrupted; ${workflowId} stays in Temporal with its finished work and continues when a worker polls: ` +
        `\`serflow resume ${workflowId}\` (or \`serflow worker\`) to go on, \`serflow cancel ${workflowId}\` to stop it\n`);
      return ExitCode.interrupted;
    }
    if (Array.isArray(result)) printSweepResult(workflowId, result, options.json);
    else printResult(settings, workflowId, result, options.json);
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

function printSweepResult(workflowId: string, outcomes: SweepOutcome[] | TrialOutcome[], json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ workflowId, outcomes }) + '\n');
  else process.stdout.write(`\n${isTrialOutcomes(outcomes) ? renderTrialOutcomes(outcomes) : renderSweepOutcomes(outcomes as SweepOutcome[])}`);
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

export function renderSweepOutcomes(outcomes: readonly SweepOutcome[]): string {
  const lines = ['| experiment | values | best cell | UAR % | WA % | memo hits |', '|---|---|---|---|---|---|'];
  for (const o of outcomes) {
    const best = o.best ? `| ${o.best.cellId} | ${(100 * o.best.uar).toFixed(2)} | ${(100 * o.best.wa).toFixed(2)} ` : '| - | - | - ';
    lines.push(`| ${o.name} | ${JSON.stringify(o.values)} ${best}| ${o.memoHits}/${o.memoLookups} |`);
  }
  // The sweep workflow picks by the test scores it shows (workflows/sweep.ts); the report can do better.
  lines.push('', 'best cell: the highest mean test UAR, chosen on the test scores shown (optimistic); `serflow report <id>` chooses on inner-CV validation scores when every cell has them');
  return lines.join('\n') + '\n';
}
