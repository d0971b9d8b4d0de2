/**
 * What `serflow sweep <config>` launches for a sweep whose search is `kind: optuna`: the optuna
 * sweep workflow's input and launch. The study is named after the sweep id, so a relaunch of the
 * same file continues the same study.
 */
import { requireHoldoutApplied, type LoadedSweep } from '../../configs/load/sweep-config';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { installation } from '../../composition/runtime-deps';
import { InputError } from '../../foundation/errors';
import { optunaSweepWorkflow, type OptunaSweepWorkflowInput } from '../../workflows/optuna-sweep';
import type { WorkflowLaunch } from '../launch/launch-workflow';
import { sweepWorkflowId } from '../launch/workflow-ids';

export function isOptunaSweep(loaded: LoadedSweep): boolean {
  return loaded.sweep.search.kind === 'optuna';
}

/** The workflow input of an optuna sweep file (loaded once by the caller). */
export function optunaSweepInput(loaded: LoadedSweep, settings: StackSettings): { input: OptunaSweepWorkflowInput; workflowId: string } {
  const { sweep, configDir, sweepHash, base } = loaded;
  if (sweep.search.kind !== 'optuna' || !sweep.objective) throw new Error(`${sweep.name}: not an optuna sweep`);
  const heldOut = requireHoldoutApplied(loaded);
  const sweepId = `${sweep.name}-${sweepHash.slice(0, 12)}`;
  const { sampler, seed, pruner, trials, space } = sweep.search;
  return {
    workflowId: sweepWorkflowId(sweepId),
    input: {
      sweepId, sweepName: sweep.name, sweepConfig: sweep, configDir, base, space, trials,
      study: {
        study: sweepId, sampler: { ...sampler, seed }, pruner,
        // UAR up, cost down.
        directions: sweep.objective.map((o) => (o.metric === 'uar' ? 'maximize' : 'minimize')),
      },
      objectives: sweep.objective, concurrency: sweep.concurrency,
      mlflowExperiment: sweep.tracking.experiment ?? `serflow-sweep-${sweep.name}`,
      orchestration: orchestrationSettings(settings),
      ...(heldOut ? { holdout: { speakers: heldOut } } : {}),
    },
  };
}

/**
 * The launch of an optuna sweep (cli/launch/launch-workflow.ts). `loaded`: the sweep file as
 * cli/commands/sweep-command.ts loaded it for launch (its holdout applied). The study's sampler and
 * storage are checked first, so that a bad `search` exits 2 naming the file before anything starts.
 */
export async function optunaSweepLaunch(loaded: LoadedSweep, configured: StackSettings): Promise<WorkflowLaunch<OptunaSweepWorkflowInput>> {
  const { input, workflowId } = optunaSweepInput(loaded, configured);
  try {
    await installation.optunaStudies().check(input.study);
  } catch (err) {
    if (err instanceof InputError) throw new InputError({ ...err.details, file: loaded.files.sweep, field: 'search' });
    throw err;
  }
  const held = input.holdout ? `, speakers ${input.holdout.speakers.join(', ')} held out for the best trial's test` : '';
  return {
    workflow: optunaSweepWorkflow, workflowId, input,
    announce: `optuna sweep ${workflowId}: ${input.trials} trials, sampler ${input.study.sampler.kind}, pruner ${input.study.pruner.kind}${held}`,
    hint: `watch its study in optuna-dashboard: serflow dashboard ${input.sweepId}`,
  };
}
