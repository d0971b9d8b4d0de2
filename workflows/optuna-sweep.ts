/**
 * An optuna sweep: `trials` trial slots, at most `concurrency` at a time. For each slot, ask
 * Optuna for its trial (the sampler sees every trial told so far), run the trial's experiment as
 * a child workflow (it reports after each outer fold and stops early when pruned), then tell
 * Optuna how it ended. Optuna keeps the study; this workflow keeps the order and the slots.
 *
 * Durable: slots are numbered here, and an ask returns the trial already created for its slot,
 * so a retried ask, a worker killed mid-trial, or a cancelled sweep resumed from its recorded
 * input (`serflow resume`) never makes a second trial for a slot; the slot's experiment child
 * keeps its workflow id, so its finished work and its MLflow run are reused. A slot whose trial
 * had already ended is not run again. A cancelled sweep tells nothing: its running trials stay
 * RUNNING until it is resumed and they end. Past `slotsPerRun` slots the sweep continues as new.
 *
 * With `holdout` (search.holdout, resolved at launch into the base's protocol.excludeSpeakers),
 * no trial sees the held-out speakers; after the last slot the study's best trial is trained on
 * every other speaker and tested on them (workflows/sweep-holdout.ts).
 */
import { continueAsNew, defineQuery, executeChild, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AskTrialInput, ToldTrial } from '../activities/optuna-activities';
import type { SweepObjective } from '../configs/schema/sweep';
import { activityOptions, type OrchestrationSettings } from './activity-options';
import { experimentWorkflow } from './experiment';
import { runBounded } from './run-bounded';
import { checkTrialExcludes, chooseBest, endSweep, SWEEP_END_PATCH, type SweepResult } from './sweep-holdout';

export interface OptunaSweepWorkflowInput {
  sweepId: string;
  sweepName: string;
  /** The sweep config as loaded, recorded on the sweep's run. */
  sweepConfig: unknown;
  configDir: string;
  base: AskTrialInput['base'];
  study: AskTrialInput['study'];
  space: AskTrialInput['space'];
  objectives: SweepObjective[];
  trials: number;
  concurrency: number;
  mlflowExperiment: string;
  orchestration: OrchestrationSettings;
  /** Speakers no trial sees (search.holdout, resolved at launch; the base's protocol.excludeSpeakers); the best trial is tested on them at the end. */
  holdout?: { speakers: string[] };
  /** Carried across continue-as-new. */
  nextSlot?: number;
  done?: TrialOutcome[];
  tracking?: { experimentId: string; parentRunId: string };
  best?: OptunaSweepProgress['best'];
  slotsPerRun?: number;
}

export interface TrialOutcome {
  slot: number;
  trial: number;
  name: string;
  values: Record<string, unknown>;
  state: ToldTrial['state'];
  /** What Optuna was told (a pruned trial: its last running score); null for a failed trial. */
  objectiveValues: number[] | null;
  foldsDone?: number;
  parentRunId?: string;
  memoHits?: number;
  /** The first objective cell's test scores over the sweep's folds (a trial run in this sweep execution, not a resumed one). */
  objectiveTest?: { uar: number; wa: number };
}

export interface OptunaSweepProgress {
  phase: 'running' | 'done';
  experimentsDone: number;
  experimentsTotal: number;
  trialsPruned: number;
  trialsFailed: number;
  /** Child workflow ids of the trials running. */
  running: string[];
  /** The best trial so far (the first of the Pareto front with several objectives). */
  best: { trial: number; values: number[] } | undefined;
  objectiveNames: string[];
  memoHits: number;
}

export const optunaSweepProgressQuery = defineQuery<OptunaSweepProgress>('progress');

/** Metric names of the objectives, for MLflow and the report: `validation_uar`, or `<metric>/<cell>` when there are several. */
export function objectiveNames(objectives: readonly SweepObjective[]): string[] {
  const metric = (o: SweepObjective): string => (o.metric === 'uar' ? 'validation_uar' : 'gan_epochs');
  return objectives.length === 1 ? [metric(objectives[0] as SweepObjective)] : objectives.map((o) => `${metric(o)}/${o.cell}`);
}

export async function optunaSweepWorkflow(input: OptunaSweepWorkflowInput): Promise<SweepResult<TrialOutcome>> {
  const short = proxyActivities<Activities>(activityOptions(input.orchestration, 'short'));
  const done = [...(input.done ?? [])];
  const names = objectiveNames(input.objectives);
  const objectives = input.objectives.map((o, i) => ({ name: names[i] as string, cell: o.cell, metric: o.metric }));
  const progress: OptunaSweepProgress = {
    phase: 'running', experimentsDone: done.length, experimentsTotal: input.trials,
    trialsPruned: done.filter((o) => o.state === 'pruned').length, trialsFailed: done.filter((o) => o.state === 'fail').length,
    running: [], best: input.best, objectiveNames: names, memoHits: done.reduce((n, o) => n + (o.memoHits ?? 0), 0),
  };
  setHandler(optunaSweepProgressQuery, () => progress);
  const tracking = input.tracking ?? (await short.openSweep({
    sweepId: input.sweepId, mlflowExperiment: input.mlflowExperiment, sweepConfig: input.sweepConfig, configurations: input.trials,
  }));
  const first = input.nextSlot ?? 0;
  const last = Math.min(input.trials, first + (input.slotsPerRun ?? 100));
  const slots = Array.from({ length: last - first }, (_, i) => first + i);
  const sweepWorkflowId = workflowInfo().workflowId;
  const pruning = input.study.pruner.kind !== 'none';

  const record = (outcome: TrialOutcome, told: Pick<ToldTrial, 'best'> | undefined): TrialOutcome => {
    progress.experimentsDone++;
    if (outcome.state === 'pruned') progress.trialsPruned++;
    if (outcome.state === 'fail') progress.trialsFailed++;
    if (told?.best) progress.best = { trial: told.best.number, values: told.best.values };
    return outcome;
  };

  const outcomes = await runBounded(slots, input.concurrency, async (slot): Promise<TrialOutcome> => {
    const asked = await short.askTrial({ study: input.study, slot, space: input.space, base: input.base, sweepName: input.sweepName });
    const outcome = { slot, trial: asked.number, name: asked.config.name, values: asked.values };
    if (asked.state === 'complete' || asked.state === 'pruned' || asked.state === 'fail') {
      // Told before the sweep was interrupted: nothing to run again.
      return record({ ...outcome, state: asked.state, objectiveValues: asked.objectiveValues }, undefined);
    }
    const childId = `${sweepWorkflowId}/${asked.config.name}`;
    checkTrialExcludes(asked.config.name, asked.config.protocol.excludeSpeakers, input.holdout?.speakers);
    progress.running.push(childId);
    const tell = (end: Parameters<typeof short.tellTrial>[0]['end'], runId?: string) => short.tellTrial({
      study: input.study, trial: asked.number, end, sweepRunId: tracking.parentRunId, objectives, ...(runId ? { runId } : {}),
    });
    try {
      const result = await executeChild(experimentWorkflow, {
        workflowId: childId,
        args: [{
          config: asked.config, configHash: asked.configHash, configDir: input.configDir,
          mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration,
          sweep: { id: input.sweepId, parentRunId: tracking.parentRunId },
          trial: { study: input.study, number: asked.number, objectives: input.objectives },
          // One fold at a time when pruning, so that a prune saves every fold after it; the
          // trials run side by side instead.
          ...(pruning ? { foldConcurrency: 1 } : {}),
        }],
      });
      const measure = result.trial;
      if (!measure) throw new Error(`experiment ${childId} returned no trial measure`);
      const told = await tell(measure.pruned ? { state: 'pruned' } : { state: 'complete', values: measure.values }, result.parentRunId);
      progress.memoHits += result.memoHits;
      const row = result.rows.find((r) => r.cellId === input.objectives.find((o) => o.metric === 'uar')?.cell);
      return record({
        ...outcome, state: told.state, objectiveValues: measure.pruned ? measure.intermediate.slice(-1) : measure.values,
        foldsDone: measure.foldsDone, parentRunId: result.parentRunId, memoHits: result.memoHits,
        ...(row && !measure.pruned ? { objectiveTest: { uar: row.uar.mean, wa: row.wa.mean } } : {}),
      }, told);
    } catch (err) {
      // A cancelled sweep leaves its trials running, to be resumed; a failed experiment fails its trial only.
      if (isCancellation(err)) throw err;
      const told = await tell({ state: 'fail' });
      return record({ ...outcome, state: told.state, objectiveValues: null }, told);
    } finally {
      progress.running = progress.running.filter((id) => id !== childId);
    }
  });
  done.push(...outcomes);
  if (last < input.trials) {
    await continueAsNew<typeof optunaSweepWorkflow>({ ...input, nextSlot: last, done, tracking, best: progress.best });
  }
  // The study's best trial: the best validation UAR (the first `uar` objective) among complete
  // trials, ties to the lower trial number (Optuna's best_trial; with several objectives, a trial
  // of the Pareto front).
  const uarIndex = input.objectives.findIndex((o) => o.metric === 'uar');
  const byNumber = [...done].sort((a, b) => a.trial - b.trial);
  const best = chooseBest(byNumber.map((o) => ({
    name: o.name, values: o.values, objectiveTest: o.objectiveTest,
    validation: o.state === 'complete' && uarIndex >= 0 ? o.objectiveValues?.[uarIndex] : undefined,
  })), input.objectives[uarIndex]?.cell);
  let end: { holdout: SweepResult<TrialOutcome>['holdout']; note: string } = { holdout: undefined, note: '' };
  // Histories recorded before the sweep's end existed close without it.
  if (patched(SWEEP_END_PATCH)) {
    end = await endSweep({
      short, sweepId: input.sweepId, sweepName: input.sweepName, sweepWorkflowId, sweepRunId: tracking.parentRunId,
      heldOut: input.holdout?.speakers, best, bestSource: best ? { base: input.base, values: best.values } : undefined,
      configDir: input.configDir, mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration, progress,
    });
  }
  await short.markRunsEnded({ runIds: [tracking.parentRunId], status: 'FINISHED' });
  progress.phase = 'done';
  return { outcomes: done, best, holdout: end.holdout, note: end.note };
}
