/**
 * MLflow bookkeeping of an experiment: its parent run and one nested run per cell, created
 * idempotently before the evaluations; at the end, the summary (mean and std of WA and UAR per
 * cell) on the cell runs and on the parent, so that runs line up in the compare view, the
 * comparisons between cells (compute/experiment-comparisons.ts: the config's primary comparisons,
 * Holm over them only, the rest exploratory) as parent metrics and artifacts, plus the results
 * (every evaluation, with what model selection chose) as results.json.
 */
import {
  compareCells, comparisonSettingsSchema, renderComparisonsMarkdown, type ComparisonResult, type ComparisonSettings,
} from '../compute/experiment-comparisons';
import { renderSummaryTable, summariseCell, type CellSummary, type RecordedEvaluation, type SummaryRow } from '../compute/experiment-summary';
import type { AudioPreparationSummary } from '../compute/features/audio-preparation';
import type { Cell } from '../configs/experiment-plan';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { InputError } from '../foundation/errors';
import { parseJsonDocument } from '../foundation/json-document';
import { selectionLine, selectionLineSettings, selectionLineSettingsSchema, type SelectionLineSettings } from '../compute/selection-line';
import { isMlflowNotFound } from '../tracking/mlflow-errors';
import { TRAINING_EXPERIMENT_TAGS } from '../tracking/experiment-kind';
import type { Run } from '../tracking/mlflow-schemas';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { experimentDataset } from './experiment-dataset';
import { experimentNote, NOTE_TAG, noteWithResults } from './experiment-note';
import { flattenForParams } from './flatten-params';

export interface OpenExperimentInput {
  config: ExperimentConfig;
  configHash: string;
  mlflowExperiment: string;
  cells: Cell[];
  workflowId: string;
  /**
   * Set when the experiment belongs to a sweep: its run nests under the sweep's run, and its
   * swept values (dotted path -> value) become `sweep.<path>` params for MLflow's compare view.
   */
  sweep?: { id: string; parentRunId: string; values?: Record<string, unknown> };
}

export interface ExperimentTracking {
  experimentId: string;
  parentRunId: string;
  /** Cell id -> MLflow run id. */
  cellRuns: Record<string, string>;
}

export interface OpenSweepInput {
  sweepId: string;
  /** The sweep's workflow id, tagged serflow.workflow_id like an experiment's, so that either id finds it. */
  workflowId?: string;
  mlflowExperiment: string;
  sweepConfig: unknown;
  configurations: number;
}

export interface FinishExperimentInput {
  tracking: ExperimentTracking;
  cells: Cell[];
  classes: string[];
  /** Every evaluation; `selection` and `validationRows`, when present, go to results.json with the rest. */
  evaluations: RecordedEvaluation[];
  features: {
    featureKey: string; foldsKey: string; rows: number; cols: number; extractor: string; datasetHash: string; skipped: { file: string; reason: string }[];
    /** What was done to the audio before extraction; tagged once on the parent run. */
    audio?: AudioPreparationSummary;
  };
  memo: { hits: number; total: number };
}

export interface ExperimentSummary {
  parentRunId: string;
  experimentId: string;
  rows: SummaryRow[];
  /** What was selected inside the outer folds and how, in one line (compute/selection-line.ts); absent from experiments finished before it. */
  selectionLine?: string;
}

export function createTrackingActivities(deps: ActivityDeps) {
  return {
    async openSweep(input: OpenSweepInput): Promise<{ experimentId: string; parentRunId: string }> {
      return withFailureMapping(async () => {
        const experiment = await deps.mlflow.ensureExperiment(input.mlflowExperiment, { tags: TRAINING_EXPERIMENT_TAGS });
        const { run } = await deps.runs.ensureRun({
          experimentId: experiment.experiment_id, key: `sweep/${input.sweepId}`, name: `sweep ${input.sweepId}`,
          tags: {
            'serflow.kind': 'sweep', 'serflow.sweep_id': input.sweepId, 'serflow.git_commit': deps.installation.codeCommit(),
            ...(input.workflowId ? { 'serflow.workflow_id': input.workflowId } : {}),
          },
        });
        await deps.runs.logParamsOnce(run.info.run_id, { configurations: String(input.configurations) });
        await deps.runs.logArtifact(run, 'sweep.json', Buffer.from(JSON.stringify(input.sweepConfig, null, 2)));
        return { experimentId: experiment.experiment_id, parentRunId: run.info.run_id };
      });
    },

    async openExperiment(input: OpenExperimentInput): Promise<ExperimentTracking> {
      return withFailureMapping(async () => {
        const experiment = await deps.mlflow.ensureExperiment(input.mlflowExperiment, { tags: TRAINING_EXPERIMENT_TAGS });
        const experimentId = experiment.experiment_id;
        const tags = {
          'serflow.kind': 'experiment', 'serflow.config_hash': input.configHash, 'serflow.git_commit': deps.installation.codeCommit(),
          'serflow.workflow_id': input.workflowId, ...(input.sweep ? { 'serflow.sweep_id': input.sweep.id } : {}),
        };
        const { run: parent } = await deps.runs.ensureRun({
          experimentId, key: `experiment/${input.configHash}`, name: input.config.name, tags,
          ...(input.sweep ? { parentRunId: input.sweep.parentRunId } : {}),
        });
        const parentRunId = parent.info.run_id;
        const swept = Object.fromEntries(Object.entries(input.sweep?.values ?? {}).map(([path, v]) => [`sweep.${path}`, typeof v === 'string' ? v : JSON.stringify(v)]));
        await deps.runs.logParamsOnce(parentRunId, { ...flattenForParams(input.config), ...swept });
        await deps.runs.logArtifact(parent, 'config.json', Buffer.from(JSON.stringify(input.config, null, 2)));
        // The note only while it is the config's: a retry after finishExperiment keeps the results.
        if (!parent.data.tags.some((t) => t.key === NOTE_TAG)) await deps.runs.setTags(parentRunId, { [NOTE_TAG]: experimentNote(input.config, input.sweep) });
        const dataset = experimentDataset(input.config);
        await deps.mlflow.logInputs(parentRunId, [dataset]);
        const cellRuns: Record<string, string> = {};
        for (const cell of input.cells) {
          const { run } = await deps.runs.ensureRun({
            experimentId, parentRunId, key: `cell/${input.configHash}/${cell.id}`, name: `${input.config.name} ${cell.id}`,
            tags: { ...tags, 'serflow.kind': 'cell', 'serflow.cell': cell.id },
          });
          await deps.runs.logParamsOnce(run.info.run_id, {
            method: cell.method, amount: cell.amount, classifier: cell.classifier,
            augmentation: JSON.stringify(cell.augmentation), classifier_spec: JSON.stringify(cell.classifierSpec),
          });
          await deps.mlflow.logInputs(run.info.run_id, [dataset]);
          cellRuns[cell.id] = run.info.run_id;
        }
        return { experimentId, parentRunId, cellRuns };
      });
    },

    /** Ends runs: a finished sweep's, or those left open by a cancelled workflow, so the UI does not show them running. */
    async markRunsEnded(input: { runIds: string[]; status: 'FINISHED' | 'FAILED' | 'KILLED' }): Promise<void> {
      for (const runId of input.runIds) await deps.runs.finishRun(runId, input.status);
    },

    async finishExperiment(input: FinishExperimentInput): Promise<ExperimentSummary> {
      return withFailureMapping(async () => {
        const { tracking } = input;
        const rows: SummaryRow[] = [];
        const summaries: Record<string, CellSummary> = {};
        const parentMetrics = [];
        for (const cell of input.cells) {
          const evaluations = input.evaluations.filter((e) => e.cellId === cell.id);
          if (evaluations.length === 0) continue;
          const s = summariseCell(evaluations);
          summaries[cell.id] = s;
          rows.push({
            cellId: cell.id, method: cell.method, amount: cell.amount, classifier: cell.classifier,
            wa: { mean: s.wa.mean, std: s.wa.std }, uar: { mean: s.uar.mean, std: s.uar.std }, foldUar: s.foldUar,
          });
          const runId = tracking.cellRuns[cell.id] as string;
          const cellMetrics = [
            { key: 'wa_mean', value: s.wa.mean, step: 0 }, { key: 'uar_mean', value: s.uar.mean, step: 0 },
            ...(s.wa.std !== null ? [{ key: 'wa_std', value: s.wa.std, step: 0 }] : []),
            ...(s.uar.std !== null ? [{ key: 'uar_std', value: s.uar.std, step: 0 }] : []),
          ];
          await deps.runs.logMetricsOnce(runId, cellMetrics);
          await deps.runs.setTags(runId, { 'serflow.evaluations': String(s.evaluations) });
          await deps.runs.finishRun(runId);
          parentMetrics.push(...cellMetrics.map((m) => ({ ...m, key: `${cell.id}/${m.key}` })));
        }
        const parent = await deps.mlflow.getRun(tracking.parentRunId);
        // The declared comparisons and the seed come from the config recorded on the parent run
        // (openExperiment logged it), so the workflow needs to pass nothing more.
        const recorded = await recordedSettings(parent);
        const settings = recorded.comparisons;
        const comparisons = compareCells({
          cells: input.cells, foldUar: Object.fromEntries(Object.entries(summaries).map(([id, s]) => [id, s.foldUar])),
          requests: settings.comparisons, seed: settings.protocol.seed,
        });
        parentMetrics.push(...comparisons.comparisons.flatMap(comparisonMetrics));
        await deps.runs.logMetricsOnce(tracking.parentRunId, parentMetrics);
        const results = { classes: input.classes, cells: input.cells, features: input.features, summaries, rows, evaluations: input.evaluations };
        await deps.runs.logArtifact(parent, 'results.json', Buffer.from(JSON.stringify(results)));
        await deps.runs.logArtifact(parent, 'table.md', Buffer.from(renderSummaryTable(rows)));
        await deps.runs.logArtifact(parent, 'comparisons.json', Buffer.from(JSON.stringify(comparisons, null, 2)));
        await deps.runs.logArtifact(parent, 'comparisons.md', Buffer.from(renderComparisonsMarkdown(comparisons)));
        if (input.features.skipped.length) await deps.runs.logArtifact(parent, 'skipped-files.json', Buffer.from(JSON.stringify(input.features.skipped, null, 2)));
        await deps.runs.setTags(tracking.parentRunId, {
          [NOTE_TAG]: noteWithResults(parent.data.tags.find((t) => t.key === NOTE_TAG)?.value, [renderSummaryTable(rows), renderComparisonsMarkdown(comparisons)]),
          'serflow.dataset_hash': input.features.datasetHash, 'serflow.feature_key': input.features.featureKey, 'serflow.folds_key': input.features.foldsKey,
          'serflow.memo_hits': `${input.memo.hits}/${input.memo.total}`,
          'serflow.comparisons': comparisons.preDeclared ? 'pre-declared' : 'default',
          ...(input.features.audio ? { 'serflow.audio_preprocessing': input.features.audio.text } : {}),
        });
        await deps.runs.finishRun(tracking.parentRunId);
        return { parentRunId: tracking.parentRunId, experimentId: tracking.experimentId, rows, selectionLine: selectionLine(input.evaluations, input.cells, recorded.selection) };
      });
    },
  };

  /**
   * What finishing needs of the config openExperiment recorded on the parent run: the declared
   * comparisons and base seed, and how hyperparameters were selected.
   */
  async function recordedSettings(parent: Run): Promise<{ comparisons: ComparisonSettings; selection: SelectionLineSettings }> {
    const where = `run ${parent.info.run_id} artifact config.json`;
    let bytes: Buffer;
    try {
      bytes = await deps.mlflow.downloadRunArtifact(parent, 'config.json');
    } catch (error) {
      if (!isMlflowNotFound(error)) throw error;
      throw new InputError({ file: where, reason: 'is missing: openExperiment records it', fix: 'run the experiment again (serflow run) so that its parent run is opened anew' });
    }
    const fix = { file: where, fix: 'the run was recorded by an incompatible serflow version: run the experiment again' };
    return {
      comparisons: parseJsonDocument(bytes, comparisonSettingsSchema, fix),
      selection: selectionLineSettings(parseJsonDocument(bytes, selectionLineSettingsSchema, fix)),
    };
  }
}

/**
 * A comparison's numbers as parent-run metrics, `comparison/<a>_vs_<b>/<classifier>[/<amount>]/<name>`
 * at step 0 (p_holm for primary comparisons only). Method names may hold "..", which MLflow
 * refuses in keys (tracking/mlflow-keys.ts): each such run of dots becomes underscores.
 */
export function comparisonMetrics(c: ComparisonResult): { key: string; value: number; step: number }[] {
  const prefix = `comparison/${c.id.replace(/\.{2,}/g, (dots) => '_'.repeat(dots.length))}`;
  const values: [string, number | null][] = [
    ['delta_median', c.deltaMedian], ['ci_low', c.ci.low], ['ci_high', c.ci.high], ['delta_mean', c.deltaMean], ['p_raw', c.pRaw], ['p_holm', c.pHolm],
  ];
  return values.flatMap(([name, value]) => (value === null ? [] : [{ key: `${prefix}/${name}`, value, step: 0 }]));
}
