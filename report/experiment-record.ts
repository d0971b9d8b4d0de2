/**
 * Everything a report reads from MLflow about one experiment: its parent run, results.json, the
 * recorded config (config.json: seed, declared comparisons, protocol), the per-cell summary
 * metrics (as logged on the parent run: `<cellId>/wa_mean`, ...), and its nested GAN runs.
 */
import { InputError } from '../foundation/errors';
import { GAN_LOSSES, type GanLoss } from '../foundation/gan-loss';
import type { MlflowClient } from '../tracking/mlflow-client';
import { isMlflowNotFound } from '../tracking/mlflow-errors';
import type { Run } from '../tracking/mlflow-schemas';
import { KIND_TAG, searchAll, tagOf } from './report-target';
import { parseRecordedConfig, type RecordedConfig } from './recorded-config';
import { parseResultsJson, type ResultsJson } from './results-schema';

export interface CellMetrics {
  waMean: number;
  waStd: number | null;
  uarMean: number;
  uarStd: number | null;
  /** 'mlflow': the run's metrics; 'results.json': the summary in results.json (the metric was missing). */
  source: 'mlflow' | 'results.json';
}

export interface GanRunRecord {
  runId: string;
  foldIndex: number;
  /** Fold name (param `fold`), when logged. */
  fold: string | undefined;
  loss: GanLoss;
  /** The repeat a per-repeat GAN was trained for (tag `serflow.repeat`); undefined for a GAN shared by every repeat. */
  repeat: number | undefined;
  /** Store key of the final checkpoint. */
  ganKey: string | undefined;
  /** Latest value of each metric of the run. */
  metrics: Map<string, number>;
}

export interface ExperimentRecord {
  run: Run;
  /** The run's name (the experiment config's name). */
  name: string;
  results: ResultsJson;
  /** The recorded config; undefined when the run has no config.json (the report then says so). */
  config: RecordedConfig | undefined;
  cellMetrics: Record<string, CellMetrics>;
  ganRuns: GanRunRecord[];
}

export async function loadExperimentRecord(mlflow: MlflowClient, run: Run): Promise<ExperimentRecord> {
  const runId = run.info.run_id;
  let bytes: Buffer;
  try {
    bytes = await mlflow.downloadRunArtifact(run, 'results.json');
  } catch (error) {
    if (!isMlflowNotFound(error)) throw error;
    throw new InputError({ field: `run ${runId}`, reason: `has no results.json (status ${run.info.status}): the experiment has not finished`, fix: 'wait for the experiment to finish, or resume it with serflow run' });
  }
  const results = parseResultsJson(bytes, runId);
  let config: RecordedConfig | undefined;
  try {
    config = parseRecordedConfig(await mlflow.downloadRunArtifact(run, 'config.json'), runId);
  } catch (error) {
    if (!isMlflowNotFound(error)) throw error;
  }
  const logged = new Map(run.data.metrics.map((m) => [m.key, m.value]));
  const cellMetrics: Record<string, CellMetrics> = {};
  for (const cell of results.cells) {
    const summary = results.summaries[cell.id];
    const waMean = logged.get(`${cell.id}/wa_mean`);
    const uarMean = logged.get(`${cell.id}/uar_mean`);
    if (waMean !== undefined && uarMean !== undefined) {
      cellMetrics[cell.id] = { waMean, uarMean, waStd: logged.get(`${cell.id}/wa_std`) ?? null, uarStd: logged.get(`${cell.id}/uar_std`) ?? null, source: 'mlflow' };
    } else if (summary) {
      cellMetrics[cell.id] = { waMean: summary.wa.mean, waStd: summary.wa.std, uarMean: summary.uar.mean, uarStd: summary.uar.std, source: 'results.json' };
    }
  }
  const found = await searchAll(mlflow, [run.info.experiment_id], `tags.\`mlflow.parentRunId\` = '${runId}' and tags.\`${KIND_TAG}\` = 'gan'`);
  // One GAN per (fold, loss, repeat) is reported: the one of every outer-training speaker (the
  // refit's fit set; others are fitted on fewer speakers for an inner split or an early-stopping
  // hold-out), and of those the newest, so that when one was trained twice (e.g. after a GAN
  // config change) the newest wins.
  const ofEverySpeaker = (r: (typeof found)[number]): number => (['all', undefined].includes(tagOf(r, 'serflow.fit_speakers')) ? 0 : 1);
  found.sort((a, b) => ofEverySpeaker(a) - ofEverySpeaker(b) || (b.info.start_time ?? 0) - (a.info.start_time ?? 0));
  const seen = new Set<string>();
  const ganRuns = found
    .flatMap((r): GanRunRecord[] => {
      const loss = tagOf(r, 'serflow.loss');
      const foldIndex = Number(tagOf(r, 'serflow.fold_index'));
      const repeatTag = tagOf(r, 'serflow.repeat');
      const repeat = repeatTag === undefined ? undefined : Number(repeatTag);
      const id = `${foldIndex}/${loss}/${repeat ?? 'shared'}`;
      // A GAN run still training (or from an older version) has no fold/loss tags yet: not reportable.
      if (!isGanLoss(loss) || !Number.isInteger(foldIndex) || seen.has(id)) return [];
      seen.add(id);
      return [{
        runId: r.info.run_id, foldIndex, loss, repeat, ganKey: tagOf(r, 'serflow.gan_key'),
        fold: r.data.params.find((p) => p.key === 'fold')?.value,
        metrics: new Map(r.data.metrics.map((m) => [m.key, m.value])),
      }];
    })
    .sort((a, b) => a.foldIndex - b.foldIndex || a.loss.localeCompare(b.loss) || (a.repeat ?? -1) - (b.repeat ?? -1));
  return { run, name: run.info.run_name ?? runId, results, config, cellMetrics, ganRuns };
}

function isGanLoss(value: string | undefined): value is GanLoss {
  return (GAN_LOSSES as readonly (string | undefined)[]).includes(value);
}
