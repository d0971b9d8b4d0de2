/**
 * Follows an experiment or sweep workflow to its end (with workers in this process unless told
 * otherwise) and prints its result: the summary table and links, or one line per sweep point.
 * The client stays open: whoever connected it closes it (launch-workflow.ts).
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { renderSummaryTable } from '../../compute/experiment-summary';
import type { StackSettings } from '../../configs/schema/stack-settings';
import type { ExperimentWorkflowResult } from '../../workflows/experiment';
import type { SweepOutcome } from '../../workflows/sweep';
import type { SweepResult } from '../../workflows/sweep-holdout';
import { ExitCode } from '../exit-codes';
import { followWorkflow } from './follow-workflow';
import { mlflowRunUrl, temporalWorkflowUrl } from '../display/links';
import { isTrialOutcomes, renderTrialOutcomes } from '../display/trial-outcomes';
import type { TrialOutcome } from '../../workflows/optuna-sweep';

const INTERRUPTED: unique symbol = Symbol('interrupted');

export async function followToEnd(client: Client, settings: StackSettings, workflowId: string, options: { worker: boolean; json: boolean }): Promise<number> {
  // Required only here: workers load tfjs and every activity, which status-like commands never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
  const workers = options.worker ? await (require('./in-process-workers') as typeof import('./in-process-workers')).startInProcessWorkers(settings) : undefined;
  try {
    const handle = client.workflow.getHandle(workflowId);
    // A sweep returns a SweepResult; one that finished before the sweep's end existed, its outcomes alone.
    const following = followWorkflow<ExperimentWorkflowResult | SweepResult<SweepOutcome | TrialOutcome> | SweepOutcome[] | TrialOutcome[]>(client, handle, options.json);
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
    if (Array.isArray(result)) printSweepResult(workflowId, { outcomes: result, best: undefined, holdout: undefined, note: '' }, options.json);
    else if (isSweepResult(result)) printSweepResult(workflowId, result, options.json);
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
  }
}

function isSweepResult(result: object): result is SweepResult<SweepOutcome | TrialOutcome> {
  return Array.isArray((result as Partial<SweepResult<unknown>>).outcomes);
}

function printSweepResult(workflowId: string, result: SweepResult<SweepOutcome | TrialOutcome>, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ workflowId, ...result }) + '\n');
    return;
  }
  const outcomes = result.outcomes;
  const table = isTrialOutcomes(outcomes) ? renderTrialOutcomes(outcomes) : renderSweepOutcomes(outcomes as SweepOutcome[]);
  process.stdout.write(`\n${table}${renderSweepEnd(result)}`);
}

/**
 * The lines after a sweep's table: the best configuration and its held-out test UAR, or, without
 * a holdout, that its test figure was selected across folds and is optimistic.
 */
export function renderSweepEnd(result: Pick<SweepResult<unknown>, 'best' | 'holdout' | 'note'>): string {
  const { best, holdout } = result;
  const pct = (v: number) => (100 * v).toFixed(2);
  const lines: string[] = [''];
  if (holdout) {
    lines.push(`held-out test UAR: ${pct(holdout.uar)} % (WA ${pct(holdout.wa)} %) of ${holdout.cellId} on speakers ${holdout.speakers.join(', ')}, which no trial saw; final run ${holdout.runId}`);
  } else if (best?.test) {
    lines.push(`best configuration's test UAR: ${pct(best.test.uar)} % of ${best.cellId}, selected across the folds it is measured on: optimistic, not a held-out estimate`);
  }
  if (result.note) lines.push(result.note);
  else lines.push('best configuration: not recorded by this sweep (it finished before serflow chose one); `serflow report <id>` chooses on validation when every cell has validation scores');
  return lines.join('\n') + '\n';
}

function printResult(settings: StackSettings, workflowId: string, result: ExperimentWorkflowResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ workflowId, ...result }) + '\n');
    return;
  }
  const out = process.stdout;
  out.write(`\n${renderSummaryTable(result.rows)}`);
  if (result.selectionLine) out.write(`${result.selectionLine}\n`);
  out.write('\n');
  const { shape } = result.features;
  const width = shape ? `up to ${shape.frames} frames x ${shape.bands} bands` : `${result.features.cols} features`;
  out.write(`features: ${result.features.extractor}, ${result.features.rows} utterances x ${width}` +
    `${result.features.skipped ? `, ${result.features.skipped} files skipped` : ''}; ${result.folds} folds, ${result.evaluations} evaluations; ` +
    `memo hits ${result.memoHits}/${result.memoLookups}\n`);
  out.write(`MLflow:   ${mlflowRunUrl(settings, result.experimentId, result.parentRunId)}\n`);
  out.write(`Temporal: ${temporalWorkflowUrl(settings, workflowId)}\n`);
}

export function renderSweepOutcomes(outcomes: readonly SweepOutcome[]): string {
  const pct = (v: number) => (100 * v).toFixed(2);
  if (outcomes.some((o) => o.objective)) {
    // With an objective: its cell's validation score (what the best is chosen on) and its test scores.
    const cell = outcomes.find((o) => o.objective)?.objective?.cellId ?? '';
    const lines = [`| experiment | values | validation UAR % (${cell}) | test UAR % | test WA % | memo hits |`, '|---|---|---|---|---|---|'];
    for (const o of outcomes) {
      const v = o.objective ? `| ${pct(o.objective.validation)} | ${pct(o.objective.uar)} | ${pct(o.objective.wa)} ` : '| - | - | - ';
      lines.push(`| ${o.name} | ${JSON.stringify(o.values)} ${v}| ${o.memoHits}/${o.memoLookups} |`);
    }
    return lines.join('\n') + '\n';
  }
  const lines = ['| experiment | values | best cell (by test) | test UAR % | test WA % | memo hits |', '|---|---|---|---|---|---|'];
  for (const o of outcomes) {
    const best = o.best ? `| ${o.best.cellId} | ${pct(o.best.uar)} | ${pct(o.best.wa)} ` : '| - | - | - ';
    lines.push(`| ${o.name} | ${JSON.stringify(o.values)} ${best}| ${o.memoHits}/${o.memoLookups} |`);
  }
  // Without an objective nothing was validated: the best cell is picked on the test scores shown.
  lines.push('', 'best cell: the highest mean test UAR, chosen on the test scores shown (optimistic); give the sweep an `objective` to choose on inner-CV validation');
  return lines.join('\n') + '\n';
}
