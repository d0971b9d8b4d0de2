/**
 * A sweep: one child experiment workflow per configuration, at most `concurrency` at a time.
 * Past `childrenPerRun` children the sweep continues as new with what is left, so even large
 * sweeps stay far below Temporal's history limits.
 *
 * With an objective, each configuration validates the objective cell (inner CV) and the best
 * configuration is the one with the best mean validation score; without one it is the one with
 * the best cell's test UAR, and the result says it was chosen on test. With a holdout (speakers
 * no configuration saw: every config's protocol.excludeSpeakers), the best is then trained on
 * every other speaker and tested on them (workflows/sweep-holdout.ts).
 */
import { continueAsNew, defineQuery, executeChild, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ExperimentConfig } from '../configs/schema/experiment';
import type { SweepObjective } from '../configs/schema/sweep';
import { activityOptions, type OrchestrationSettings } from './activity-options';
import { experimentWorkflow } from './experiment';
import { runBounded } from './run-bounded';
import { checkTrialExcludes, chooseBest, endSweep, SWEEP_END_PATCH, type SweepResult } from './sweep-holdout';

export interface SweepExperiment {
  config: ExperimentConfig;
  configHash: string;
  /** The swept values of this configuration, by dotted path. */
  values: Record<string, unknown>;
}

export interface SweepOutcome {
  name: string;
  values: Record<string, unknown>;
  parentRunId: string;
  /** Best cell by mean test UAR, for a first look (a choice on test); the full table is in MLflow. */
  best: { cellId: string; uar: number; wa: number } | undefined;
  /** With an objective: its cell's mean inner-CV validation score and test scores. */
  objective?: { cellId: string; validation: number; uar: number; wa: number };
  memoHits: number;
  memoLookups: number;
}

export interface SweepWorkflowInput {
  sweepId: string;
  sweepConfig: unknown;
  configDir: string;
  experiments: SweepExperiment[];
  concurrency: number;
  mlflowExperiment: string;
  orchestration: OrchestrationSettings;
  /** The cell whose validation score picks the best configuration (sweep config `objective`); each configuration validates it. */
  objective?: SweepObjective;
  /** Speakers no configuration sees (search.holdout, resolved at launch); the best is tested on them after the last one. */
  holdout?: { speakers: string[] };
  /** The sweep's name (the final run is `<name>-holdout`); the sweep id's when absent. */
  sweepName?: string;
  /** Carried across continue-as-new. */
  done?: SweepOutcome[];
  /** The best configuration of the runs before this one (carried across continue-as-new: its config is no longer in `experiments`). */
  bestEarlier?: SweepExperiment;
  total?: number;
  tracking?: { experimentId: string; parentRunId: string };
  childrenPerRun?: number;
}

export interface SweepProgress {
  phase: 'running' | 'done';
  experimentsDone: number;
  experimentsTotal: number;
  running: string[];
  memoHits: number;
}

export const sweepProgressQuery = defineQuery<SweepProgress>('progress');

export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepResult<SweepOutcome>> {
  const short = proxyActivities<Activities>(activityOptions(input.orchestration, 'short'));
  const done = [...(input.done ?? [])];
  const total = input.total ?? input.experiments.length;
  const progress: SweepProgress = {
    phase: 'running', experimentsDone: done.length, experimentsTotal: total, running: [],
    memoHits: done.reduce((n, o) => n + o.memoHits, 0),
  };
  setHandler(sweepProgressQuery, () => progress);
  const tracking = input.tracking ?? (await short.openSweep({
    sweepId: input.sweepId, workflowId: workflowInfo().workflowId, mlflowExperiment: input.mlflowExperiment, sweepConfig: input.sweepConfig, configurations: total,
  }));
  const limit = input.childrenPerRun ?? 100;
  const now = input.experiments.slice(0, limit);
  const later = input.experiments.slice(limit);
  const sweepWorkflowId = workflowInfo().workflowId;

  const { objective } = input;
  const outcomes = await runBounded(now, input.concurrency, async (experiment, index) => {
    const childId = `${sweepWorkflowId}/${experiment.config.name}`;
    checkTrialExcludes(experiment.config.name, experiment.config.protocol.excludeSpeakers, input.holdout?.speakers);
    progress.running.push(childId);
    const result = await executeChild(experimentWorkflow, {
      workflowId: childId,
      args: [{
        config: experiment.config, configHash: experiment.configHash, configDir: input.configDir,
        mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration,
        sweep: { id: input.sweepId, parentRunId: tracking.parentRunId, values: experiment.values },
        // The objective cell is validated (inner CV) so that the best configuration is chosen on validation.
        ...(objective ? { trial: { number: done.length + index, objectives: [objective] } } : {}),
      }],
    });
    progress.running = progress.running.filter((id) => id !== childId);
    progress.experimentsDone++;
    progress.memoHits += result.memoHits;
    const topCell = [...result.rows].sort((a, b) => b.uar.mean - a.uar.mean)[0];
    const objectiveRow = objective ? result.rows.find((r) => r.cellId === objective.cell) : undefined;
    const validation = result.trial?.values[0];
    const outcome: SweepOutcome = {
      name: experiment.config.name, values: experiment.values, parentRunId: result.parentRunId,
      best: topCell ? { cellId: topCell.cellId, uar: topCell.uar.mean, wa: topCell.wa.mean } : undefined,
      ...(objective && objectiveRow && validation !== undefined ? { objective: { cellId: objective.cell, validation, uar: objectiveRow.uar.mean, wa: objectiveRow.wa.mean } } : {}),
      memoHits: result.memoHits, memoLookups: result.memoLookups,
    };
    return outcome;
  });
  done.push(...outcomes);
  const best = chooseBest(done.map((o) => ({
    name: o.name, values: o.values, validation: o.objective?.validation, bestTestCell: o.best,
    objectiveTest: o.objective ? { uar: o.objective.uar, wa: o.objective.wa } : undefined,
  })), objective?.cell);
  const bestExperiment = best ? [...now, ...(input.bestEarlier ? [input.bestEarlier] : [])].find((e) => e.config.name === best.name) : undefined;
  if (later.length > 0) {
    await continueAsNew<typeof sweepWorkflow>({ ...input, experiments: later, done, total, tracking, ...(bestExperiment ? { bestEarlier: bestExperiment } : {}) });
  }
  let end: { holdout: SweepResult<SweepOutcome>['holdout']; note: string } = { holdout: undefined, note: '' };
  // Histories recorded before the sweep's end existed close without it (test/histories/sweep.json).
  if (patched(SWEEP_END_PATCH)) {
    end = await endSweep({
      short, sweepId: input.sweepId, sweepName: input.sweepName ?? input.sweepId, sweepWorkflowId, sweepRunId: tracking.parentRunId,
      heldOut: input.holdout?.speakers, best,
      bestSource: bestExperiment ? { base: bestExperiment.config as unknown as Record<string, unknown>, values: {} } : undefined,
      configDir: input.configDir, mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration, progress,
    });
  }
  await short.markRunsEnded({ runIds: [tracking.parentRunId], status: 'FINISHED' });
  progress.phase = 'done';
  return { outcomes: done, best, holdout: end.holdout, note: end.note };
}
