/**
 * `serflow sweep <config>`: expands the sweep, launches it (attaching when the same sweep is
 * already running), follows it and prints one line per configuration, the best configuration
 * and, with `search.holdout`, its held-out test UAR.
 */
import { corpusEntries } from '../../activities/corpus-source';
import { applyHoldout, loadSweepConfig, requireHoldoutApplied, type LoadedSweep } from '../../configs/load/sweep-config';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { orchestrationSettings } from '../../composition/orchestration-settings';
import type { StoreIdentity } from '../../store/store-identity';
import { sweepWorkflow, type SweepWorkflowInput } from '../../workflows/sweep';
import { isOptunaSweep, optunaSweepLaunch } from './optuna-sweep-launch';
import { launchWorkflow, type LaunchOptions, type WorkflowLaunch } from '../launch/launch-workflow';
import { sweepWorkflowId } from '../launch/workflow-ids';

/**
 * A sweep file loaded for launch: with `search.holdout`, the held-out speakers resolved against
 * the base corpus's speakers (read here, before anything launches: an unknown speaker exits 2
 * naming the file and field) and written into every configuration.
 */
export async function loadSweepForLaunch(file: string): Promise<LoadedSweep> {
  const loaded = loadSweepConfig(file);
  if (!loaded.sweep.search.holdout) return loaded;
  const entries = await corpusEntries(loaded.baseConfig.corpus, loaded.configDir);
  return applyHoldout(loaded, entries.map((e) => e.speaker));
}

/** The workflow input of a loaded grid or random sweep; `settings` (and `store`) as routed by composition/store-routing.ts. */
export function sweepInput(loaded: LoadedSweep | string, settings: StackSettings, store?: StoreIdentity): { input: SweepWorkflowInput; workflowId: string } {
  const sweepFile = typeof loaded === 'string' ? loadSweepConfig(loaded) : loaded;
  const { sweep, configDir, points, sweepHash } = sweepFile;
  const heldOut = requireHoldoutApplied(sweepFile);
  const sweepId = `${sweep.name}-${sweepHash.slice(0, 12)}`;
  return {
    workflowId: sweepWorkflowId(sweepId),
    input: {
      sweepId, sweepName: sweep.name, sweepConfig: sweep, configDir, concurrency: sweep.concurrency,
      experiments: points.map((p) => ({ config: p.config, configHash: p.configHash, values: p.values })),
      mlflowExperiment: sweep.tracking.experiment ?? `serflow-sweep-${sweep.name}`,
      orchestration: orchestrationSettings(settings, store),
      ...(sweep.objective?.[0] ? { objective: sweep.objective[0] } : {}),
      ...(heldOut ? { holdout: { speakers: heldOut } } : {}),
    },
  };
}

export async function sweepCommand(file: string, options: LaunchOptions): Promise<number> {
  // The file is loaded once. A bad sweep (an unknown held-out speaker, a bad study) exits with 2
  // before any server is asked for the store's id.
  const loaded = await loadSweepForLaunch(file);
  const configured = loadStackSettings();
  if (isOptunaSweep(loaded)) return launchWorkflow(await optunaSweepLaunch(loaded, configured), configured, options);
  return launchWorkflow(gridSweepLaunch(loaded, configured), configured, options);
}

/** The launch of a grid or random sweep. */
function gridSweepLaunch(loaded: LoadedSweep, configured: StackSettings): WorkflowLaunch<SweepWorkflowInput> {
  const { input, workflowId } = sweepInput(loaded, configured);
  const held = input.holdout ? `, speakers ${input.holdout.speakers.join(', ')} held out for the best configuration's test` : '';
  return { workflow: sweepWorkflow, workflowId, input, announce: `sweep ${workflowId}: ${input.experiments.length} configurations${held}` };
}
