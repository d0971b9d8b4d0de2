/**
 * A sweep: one child experiment workflow per configuration, at most `concurrency` at a time.
 * Past `childrenPerRun` children the sweep continues as new with what is left, so even large
 * sweeps stay far below Temporal's history limits.
 */
import { continueAsNew, defineQuery, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { activityOptions, type OrchestrationSettings } from './activity-options';
import { experimentWorkflow } from './experiment';
import { runBounded } from './run-bounded';

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
  /** Best cell by mean UAR, for a first look; the full table is in MLflow. */
  best: { cellId: string; uar: number; wa: number } | undefined;
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
  /** Carried across continue-as-new. */
  done?: SweepOutcome[];
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

export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepOutcome[]> {
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

  const outcomes = await runBounded(now, input.concurrency, async (experiment) => {
    const childId = `${sweepWorkflowId}/${experiment.config.name}`;
    progress.running.push(childId);
    const result = await executeChild(experimentWorkflow, {
      workflowId: childId,
      args: [{
        config: experiment.config, configHash: experiment.configHash, configDir: input.configDir,
        mlflowExperiment: input.mlflowExperiment, orchestration: input.orchestration,
        sweep: { id: input.sweepId, parentRunId: tracking.parentRunId, values: experiment.values },
      }],
    });
    progress.running = progress.running.filter((id) => id !== childId);
    progress.experimentsDone++;
    progress.memoHits += result.memoHits;
    const best = [...result.rows].sort((a, b) => b.uar.mean - a.uar.mean)[0];
    const outcome: SweepOutcome = {
      name: experiment.config.name, values: experiment.values, parentRunId: result.parentRunId,
      best: best ? { cellId: best.cellId, uar: best.uar.mean, wa: best.wa.mean } : undefined,
      memoHits: result.memoHits, memoLookups: result.memoLookups,
    };
    return outcome;
  });
  done.push(...outcomes);
  if (later.length > 0) {
    await continueAsNew<typeof sweepWorkflow>({ ...input, experiments: later, done, total, tracking });
  }
  await short.markRunsEnded({ runIds: [tracking.parentRunId], status: 'FINISHED' });
  progress.phase = 'done';
  return done;
}
