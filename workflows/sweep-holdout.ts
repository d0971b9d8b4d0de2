/**
 * The end of a sweep, after its last trial: its best configuration, chosen on validation, and,
 * with `search.holdout`, that configuration trained once on every other speaker and tested on
 * the held-out ones, which no trial saw (as its own experiment workflow and MLflow run).
 *
 * - optuna: the study's best trial (the best first objective among complete trials; ties to the
 *   lower trial number, as Optuna's best_trial).
 * - grid and random with an objective: the configuration with the best mean inner-CV validation
 *   score of the objective cell (ties to the first configuration).
 * - grid and random without one: the configuration whose best cell has the highest mean test
 *   UAR, and the note says it was chosen on test.
 *
 * Without a holdout the best's test figure is one that was selected across the same folds, so
 * the note says it is optimistic. The final run's workflow id is `<sweep workflow id>/holdout`:
 * a resumed sweep runs it under the same id, and everything it finished comes from the memo and
 * its MLflow run from the run registry, so it is never computed twice.
 */
import { ApplicationFailure, executeChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SweepBestRecord, SweepHoldoutRecord } from '../activities/sweep-activities';
import type { OrchestrationSettings } from './activity-options';
import { experimentWorkflow } from './experiment';

/** The patched() name under which both sweep workflows run this end: histories recorded before it end without it and replay so. */
export const SWEEP_END_PATCH = 'sweep-best-and-holdout';

export type SweepBest = SweepBestRecord;
export type SweepHoldoutResult = SweepHoldoutRecord;

/** What a sweep workflow returns: one outcome per configuration or trial, the best, the held-out figure. */
export interface SweepResult<O> {
  outcomes: O[];
  best: SweepBest | undefined;
  /** Set when the sweep had a holdout and a best configuration to test on it. */
  holdout: SweepHoldoutResult | undefined;
  /** One sentence on the best's test figure: held out, or selected across folds (optimistic). */
  note: string;
}

/** A configuration's measures, as the choice of the best needs them. */
export interface Candidate {
  name: string;
  values: Record<string, unknown>;
  /** The objective's mean validation score; absent when not measured (no objective, a failed or pruned trial). */
  validation?: number | undefined;
  /** The objective cell's test scores over the sweep's folds, when known. */
  objectiveTest?: { uar: number; wa: number } | undefined;
  /** The best cell by mean test UAR, for sweeps without an objective. */
  bestTestCell?: { cellId: string; uar: number; wa: number } | undefined;
}

/**
 * The best of `candidates`: by validation of `objectiveCell` when one is given and any candidate
 * has a validation score, else by the best cell's test UAR (and it says so).
 */
export function chooseBest(candidates: readonly Candidate[], objectiveCell: string | undefined): SweepBest | undefined {
  const validated = objectiveCell ? candidates.filter((c) => c.validation !== undefined) : [];
  if (objectiveCell && validated.length > 0) {
    const best = validated.reduce((a, b) => ((b.validation as number) > (a.validation as number) ? b : a));
    return {
      name: best.name, values: best.values, chosenOn: 'validation', cellId: objectiveCell, validation: best.validation as number,
      ...(best.objectiveTest ? { test: best.objectiveTest } : {}),
    };
  }
  const tested = candidates.filter((c) => c.bestTestCell !== undefined);
  if (tested.length === 0) return undefined;
  const best = tested.reduce((a, b) => ((b.bestTestCell as { uar: number }).uar > (a.bestTestCell as { uar: number }).uar ? b : a));
  const cell = best.bestTestCell as { cellId: string; uar: number; wa: number };
  return { name: best.name, values: best.values, chosenOn: 'test', cellId: cell.cellId, test: { uar: cell.uar, wa: cell.wa } };
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** The sentence on the best's test figure, for the terminal, the sweep's run and the report. */
export function bestNote(best: SweepBest | undefined, holdout: SweepHoldoutResult | undefined, heldOutSpeakers: readonly string[] | undefined): string {
  if (!best) return 'no configuration finished: there is no best configuration';
  const chosen = best.chosenOn === 'validation'
    ? `chosen on the inner-CV validation UAR of ${best.cellId} (${pct(best.validation as number)})`
    : `chosen on test: the highest mean test UAR of any cell (${best.cellId}), as these trials record no validation score of an objective cell`;
  if (holdout) {
    return `best configuration ${best.name}, ${chosen}; held-out test UAR ${pct(holdout.uar)} (WA ${pct(holdout.wa)}) of ${holdout.cellId} on speakers ${holdout.speakers.join(', ')}, which no trial saw (MLflow run ${holdout.runId})`;
  }
  const test = best.test ? ` Its test UAR (${pct(best.test.uar)}) was selected across the folds it is measured on` : ' Its test figure was selected across the folds it is measured on';
  const why = best.chosenOn === 'validation' ? ' (each test speaker was a validation speaker in the other folds)' : ' (the choice itself looked at those test scores)';
  const missing = heldOutSpeakers?.length ? ` The held-out speakers ${heldOutSpeakers.join(', ')} were not tested.` : ' Add `search.holdout` for an unbiased figure.';
  return `best configuration ${best.name}, ${chosen}.${test}${why}: it is optimistic.${missing}`;
}

export interface SweepEndInput {
  short: Pick<Activities, 'holdoutExperiment' | 'recordSweepResult'>;
  sweepId: string;
  sweepName: string;
  sweepWorkflowId: string;
  sweepRunId: string;
  /** The held-out speakers (search.holdout, resolved at launch); absent without a holdout. */
  heldOut: string[] | undefined;
  best: SweepBest | undefined;
  /** The best configuration's base and values (holdoutExperiment's input). */
  bestSource: { base: Record<string, unknown>; values: Record<string, unknown> } | undefined;
  configDir: string;
  mlflowExperiment: string;
  orchestration: OrchestrationSettings;
  /** The sweep's progress: the final run is listed among its running experiments while it runs (the progress view follows it). */
  progress?: { running: string[] };
}

/** Runs the best configuration on the held-out speakers (when there are some), records the result on the sweep's run, returns it. */
export async function endSweep(input: SweepEndInput): Promise<{ holdout: SweepHoldoutResult | undefined; note: string }> {
  let holdout: SweepHoldoutResult | undefined;
  const { best, heldOut } = input;
  if (best && heldOut?.length && input.bestSource) {
    const name = `${input.sweepName}-holdout`.slice(0, 64);
    const final = await input.short.holdoutExperiment({ ...input.bestSource, speakers: heldOut, name });
    const workflowId = `${input.sweepWorkflowId}/holdout`;
    input.progress?.running.push(workflowId);
    const result = await executeChild(experimentWorkflow, {
      workflowId,
      args: [{ config: final.config, configHash: final.configHash, configDir: input.configDir, mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration }],
    });
    if (input.progress) input.progress.running = input.progress.running.filter((id) => id !== workflowId);
    const row = result.rows.find((r) => r.cellId === best.cellId);
    if (!row) throw new Error(`the final run ${workflowId} has no row for ${best.cellId}`);
    holdout = { speakers: [...heldOut], workflowId, runId: result.parentRunId, cellId: best.cellId, uar: row.uar.mean, wa: row.wa.mean };
  }
  const note = bestNote(best, holdout, heldOut);
  await input.short.recordSweepResult({ sweepId: input.sweepId, sweepRunId: input.sweepRunId, best, holdout, note });
  return { holdout, note };
}

/** Throws unless a trial's config holds out exactly the sweep's held-out speakers (a launch that skipped them must not run a trial). */
export function checkTrialExcludes(name: string, excluded: readonly string[] | undefined, heldOut: readonly string[] | undefined): void {
  const a = [...(excluded ?? [])].sort().join(',');
  const b = [...(heldOut ?? [])].sort().join(',');
  if (a !== b) throw ApplicationFailure.nonRetryable(`trial ${name} excludes speakers [${a}] but the sweep holds out [${b}]`, 'HoldoutMismatch');
}
