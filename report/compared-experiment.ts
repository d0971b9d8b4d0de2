/**
 * One side of `serflow compare`, read from MLflow and the artifact store, never written: the
 * experiment's parent run (any id `serflow report` takes for an experiment: its run id, its
 * workflow id; a sweep's configuration, grid point or Optuna trial, by its own run id), its
 * results.json and recorded config.json, its tags (commit, corpus content hash, sweep, trial), and
 * the test speakers of each outer fold it evaluated, from the fold list in the store.
 *
 * A fold list the store does not hold (another machine's local store) is not an error: the test
 * speakers are then read from fold names that carry them (`speaker-03`, `speakers-03+08`), and
 * otherwise left unknown, so that the comparison says it cannot show the folds match.
 */
import { z } from 'zod';
import { InputError } from '../foundation/errors';
import { parseJsonDocument } from '../foundation/json-document';
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ArtifactStore } from '../store/artifact-store';
import { loadFolds } from '../store/fold-store';
import type { MlflowClient } from '../tracking/mlflow-client';
import { isMlflowNotFound } from '../tracking/mlflow-errors';
import type { Run } from '../tracking/mlflow-schemas';
import { loadExperimentRecord } from './experiment-record';
import type { ComparedExperiment } from './experiment-pair';
import { resolveReportTarget, tagOf } from './report-target';

export interface ComparedExperimentDeps {
  mlflow: MlflowClient;
  store: ArtifactStore;
  logger?: MinimalLogger;
}

/** The corpus block of a recorded config, loosely: any config version reads. */
const recordedCorpusSchema = z.object({ corpus: z.object({ kind: z.string(), path: z.string().optional() }).optional() });

/** Reads the experiment `id` names. InputError: an unknown id, a sweep (not one experiment), an unfinished experiment. */
export async function loadComparedExperiment(deps: ComparedExperimentDeps, id: string): Promise<ComparedExperiment> {
  const target = await resolveReportTarget(deps.mlflow, id);
  if (target.kind === 'sweep') {
    const names = target.experiments.map((r) => `${r.info.run_name ?? '?'} (${r.info.run_id})`);
    throw new InputError({
      field: 'id',
      reason: `${JSON.stringify(id)} is a sweep, not one experiment${names.length > 0 ? `; its configurations: ${names.join(', ')}` : ''}`,
      fix: 'give the run id of one of its configurations (serflow report <sweep> lists them too)',
    });
  }
  const run = target.run;
  const record = await loadExperimentRecord(deps.mlflow, run);
  const config = await recordedConfigJson(deps.mlflow, run);
  const { results } = record;
  const evaluatedFolds = [...new Set(results.evaluations.map((e) => e.fold))];
  const folds = await foldSpeakers(deps, results.features.foldsKey, evaluatedFolds, run.info.run_id);
  const corpus = config === undefined ? undefined : recordedCorpusSchema.safeParse(config).data?.corpus;
  const trial = tagOf(run, 'serflow.trial');
  const sweepId = tagOf(run, 'serflow.sweep_id');
  const workflowId = tagOf(run, 'serflow.workflow_id');
  const gitCommit = tagOf(run, 'serflow.git_commit');
  const contentHash = tagOf(run, 'serflow.dataset_hash');
  return {
    runId: run.info.run_id,
    name: record.name,
    ...(workflowId !== undefined ? { workflowId } : {}),
    ...(gitCommit !== undefined ? { gitCommit } : {}),
    ...(sweepId !== undefined ? { sweep: { id: sweepId, ...(trial !== undefined ? { trial } : {}) } } : {}),
    corpus: { ...(corpus ? { kind: corpus.kind, ...(corpus.path !== undefined ? { path: corpus.path } : {}) } : {}), ...(contentHash !== undefined ? { contentHash } : {}) },
    classes: results.classes,
    features: results.features.extractor,
    cells: results.cells,
    metrics: record.cellMetrics,
    foldUar: Object.fromEntries(Object.entries(results.summaries).map(([cellId, s]) => [cellId, s.foldUar])),
    repeats: [...new Set(results.evaluations.map((e) => e.repeat))].sort((x, y) => x - y),
    folds: folds.folds,
    ...(folds.note !== undefined ? { foldsNote: folds.note } : {}),
    excludedSpeakers: record.config?.protocol.excludeSpeakers ?? [],
    config,
  };
}

/** config.json as JSON (every field, for the differences); undefined when the run has none. */
async function recordedConfigJson(mlflow: MlflowClient, run: Run): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await mlflow.downloadRunArtifact(run, 'config.json');
  } catch (error) {
    if (isMlflowNotFound(error)) return undefined;
    throw error;
  }
  return parseJsonDocument(bytes, z.unknown(), { file: `run ${run.info.run_id} artifact config.json`, fix: 'the run was recorded by an incompatible serflow version' });
}

/** Test speakers of a fold, from a name that carries them: `speaker-03` (LOSO), `speakers-03+08` (fixed). */
export function speakersFromFoldName(name: string): string[] | undefined {
  const one = /^speaker-(.+)$/.exec(name);
  if (one) return [one[1] as string];
  const several = /^speakers-(.+)$/.exec(name);
  return several ? (several[1] as string).split('+') : undefined;
}

async function foldSpeakers(
  deps: ComparedExperimentDeps, foldsKey: string, evaluated: readonly string[], runId: string,
): Promise<{ folds: ComparedExperiment['folds']; note?: string }> {
  try {
    const defined = await loadFolds(deps.store, foldsKey);
    // The store's order is the experiment's fold order; evaluated folds only (a pruned trial ran fewer).
    const folds = defined.filter((f) => evaluated.includes(f.name)).map((f) => ({ name: f.name, testSpeakers: [...f.testSpeakers].sort() }));
    const missing = evaluated.filter((name) => !folds.some((f) => f.name === name));
    return missing.length === 0 ? { folds } : { folds: [...folds, ...missing.map((name) => ({ name, testSpeakers: undefined }))], note: `fold(s) ${missing.join(', ')} are not in its fold list ${foldsKey.slice(0, 12)}` };
  } catch (error) {
    deps.logger?.warn({ runId, foldsKey, error: String(error) }, 'compare: fold list not readable; test speakers from the fold names');
    const folds = [...evaluated].sort().map((name) => ({ name, testSpeakers: speakersFromFoldName(name) }));
    return { folds, note: `its fold list ${foldsKey.slice(0, 12)} is not readable from ${deps.store.description} (${error instanceof Error ? error.message : String(error)})` };
  }
}
