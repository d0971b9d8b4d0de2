/**
 * `serflow sweep <config>` for a sweep whose search is `kind: optuna`: launches the optuna sweep
 * workflow (attaching when the same sweep is already running), follows it and prints one line
 * per trial. The study is named after the sweep id, so a relaunch of the same file continues the
 * same study.
 */
import { requireHoldoutApplied, type LoadedSweep } from '../../configs/load/sweep-config';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import { installation } from '../../composition/runtime-deps';
import { routeToOwnStore } from '../../composition/store-routing';
import { InputError } from '../../foundation/errors';
import { loadStackSettings } from '../../infra/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { optunaSweepWorkflow, type OptunaSweepWorkflowInput } from '../../workflows/optuna-sweep';
import { ExitCode } from '../exit-codes';
import { followToEnd } from '../launch/follow-to-end';
import { temporalWorkflowUrl } from '../display/links';
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

/** `loaded`: the sweep file as cli/commands/sweep-command.ts loaded it for launch (its holdout applied). */
export async function optunaSweepCommand(loaded: LoadedSweep, options: { worker: boolean; json: boolean; detach: boolean }): Promise<number> {
  const configured = loadStackSettings();
  // A bad sweep exits with 2 before any server is asked for the store's id.
  const { input, workflowId } = optunaSweepInput(loaded, configured);
  try {
    await installation.optunaStudies().check(input.study);
  } catch (err) {
    if (err instanceof InputError) throw new InputError({ ...err.details, file: loaded.files.sweep, field: 'search' });
    throw err;
  }
  const { settings, store } = await routeToOwnStore(configured);
  input.orchestration = orchestrationSettings(settings, store);
  const client = await connectClient(settings);
  await client.workflow.start(optunaSweepWorkflow, {
    workflowId, taskQueue: settings.temporal.taskQueues.orchestration, args: [input], workflowIdConflictPolicy: 'USE_EXISTING',
  });
  if (!options.json) {
    const held = input.holdout ? `, speakers ${input.holdout.speakers.join(', ')} held out for the best trial's test` : '';
    process.stderr.write(`serflow: optuna sweep ${workflowId}: ${input.trials} trials, sampler ${input.study.sampler.kind}, pruner ${input.study.pruner.kind}${held} (${temporalWorkflowUrl(settings, workflowId)})\n`);
  }
  if (options.detach) {
    if (options.json) process.stdout.write(JSON.stringify({ workflowId }) + '\n');
    await client.connection.close();
    return ExitCode.ok;
  }
  return followToEnd(client, settings, workflowId, options);
}
