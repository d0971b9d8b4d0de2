/**
 * The end of a sweep (grid, random or optuna; workflows/sweep-holdout.ts): the config of its
 * final run on the held-out speakers, and the record of its best configuration on the sweep's
 * MLflow run: what it was chosen on, the held-out test UAR and the final run's id, or, without a
 * holdout, a tag saying that the best configuration's test figure was selected across folds.
 * Idempotent: tags are set, metrics logged once per (key, step).
 */
import { holdoutConfig } from '../configs/load/sweep-config';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { SWEEP_RESULT_KEYS } from '../tracking/sweep-result-keys';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';

export interface HoldoutExperimentInput {
  /** A trial's base: the optuna sweep's base as written, or a grid or random configuration's config. */
  base: Record<string, unknown>;
  /** The trial's values, by dotted path (none for a grid or random configuration: its config has them). */
  values: Record<string, unknown>;
  speakers: string[];
  name: string;
}

/** The best configuration as a sweep chose it (workflows/sweep-holdout.ts). */
export interface SweepBestRecord {
  name: string;
  values: Record<string, unknown>;
  chosenOn: 'validation' | 'test';
  cellId: string;
  validation?: number;
  /** The cell's test scores over the sweep's own folds: selected across them, so optimistic. */
  test?: { uar: number; wa: number };
}

export interface SweepHoldoutRecord {
  speakers: string[];
  workflowId: string;
  runId: string;
  cellId: string;
  uar: number;
  wa: number;
}

export interface RecordSweepResultInput {
  sweepId: string;
  sweepRunId: string;
  best: SweepBestRecord | undefined;
  holdout: SweepHoldoutRecord | undefined;
  /** The sentence the terminal prints about the best's test figure. */
  note: string;
}

export function createSweepActivities(deps: ActivityDeps) {
  return {
    async holdoutExperiment(input: HoldoutExperimentInput): Promise<{ config: ExperimentConfig; configHash: string }> {
      return withFailureMapping(async () => {
        const point = holdoutConfig(input.base, input.values, input.speakers, input.name);
        return { config: point.config, configHash: point.configHash };
      });
    },

    async recordSweepResult(input: RecordSweepResultInput): Promise<void> {
      return withFailureMapping(async () => {
        const k = SWEEP_RESULT_KEYS;
        const { best, holdout } = input;
        await deps.runs.setTags(input.sweepRunId, {
          [k.noteTag]: input.note,
          ...(best ? { [k.bestConfigurationTag]: best.name, [k.chosenOnTag]: best.chosenOn } : {}),
          ...(holdout ? { [k.holdoutRunTag]: holdout.runId, [k.holdoutSpeakersTag]: holdout.speakers.join(','), [k.holdoutCellTag]: holdout.cellId } : {}),
        });
        await deps.runs.logMetricsOnce(input.sweepRunId, [
          ...(holdout ? [{ key: k.heldOutUar, value: holdout.uar, step: 0 }, { key: k.heldOutWa, value: holdout.wa, step: 0 }] : []),
          ...(best?.test ? [{ key: k.selectedTestUar, value: best.test.uar, step: 0 }] : []),
          ...(best?.validation !== undefined ? [{ key: k.bestValidation, value: best.validation, step: 0 }] : []),
        ]);
        if (holdout) await deps.runs.setTags(holdout.runId, { [k.holdoutOfTag]: input.sweepId, [k.holdoutSpeakersTag]: holdout.speakers.join(',') });
      });
    },
  };
}
