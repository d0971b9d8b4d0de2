/**
 * Feature extraction and fold preparation. Matrices never travel through Temporal: the
 * extraction stores the matrix and returns its key; folds come back as small index lists.
 */
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { hashCorpus } from '../compute/corpus/corpus-hash';
import { InputError } from '../foundation/errors';
import type { FeatureMatrix } from '../compute/features/feature-matrix';
import { assembleRows, type FeatureRow } from '../compute/features/feature-rows';
import type { SequenceShape } from '../compute/features/feature-shape';
import { encodeFeatureMatrix } from '../compute/features/matrix-codec';
import type { AudioPreparationSummary } from '../compute/features/audio-preparation';
import type { SkippedFile } from '../compute/features/opensmile';
import { buildFolds } from '../compute/folds/build-folds';
import { hashOf } from '../configs/canonical-json';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { corpusEntries } from './corpus-source';
import { extractorAdapter, type ExtractionEnv, type ResumeOptions } from './feature-extractors';
import { loadFeatureMatrix } from '../store/feature-matrix-cache';
import { storeFolds } from '../store/fold-store';
import { memoised } from './memo';

export interface ExtractFeaturesInput {
  corpus: ExperimentConfig['corpus'];
  features: ExperimentConfig['features'];
  /** Folder of the config file, for relative paths. */
  configDir: string;
}

export interface FeatureRef {
  featureKey: string;
  rows: number;
  cols: number;
  /** Class names in a fixed (sorted) order: class index i is classes[i] everywhere. */
  classes: string[];
  speakers: string[];
  /** Content hash of the corpus (file list, labels, speakers, audio bytes). */
  datasetHash: string;
  extractor: string;
  skipped: SkippedFile[];
  /**
   * What was done to the audio before extraction (downmix, resampling), once for the corpus;
   * absent for a feature table, where serflow reads no audio.
   */
  audio?: AudioPreparationSummary;
  /** The rows' shape when they are not vectors (compute/features/feature-shape.ts). */
  shape?: SequenceShape;
  memoHit: boolean;
}

export interface PrepareFoldsInput {
  featureKey: string;
  protocol: ExperimentConfig['protocol'];
}

export interface FoldsRef {
  /** The fold definitions (row indices) in the store. */
  foldsKey: string;
  folds: { name: string; testSpeakers: string[]; trainRows: number; testRows: number }[];
}

export function createFeatureActivities(deps: ActivityDeps) {
  return {
    async extractFeatures(input: ExtractFeaturesInput): Promise<FeatureRef> {
      return withFailureMapping(async () => {
        const ctx = Context.current();
        const log = deps.logger.child({ activity: 'extractFeatures', workflowId: ctx.info.workflowExecution?.workflowId, attempt: ctx.info.attempt });
        const entries = await corpusEntries(input.corpus, input.configDir);
        if (entries.length === 0) throw new InputError({ file: input.corpus.path, reason: 'the corpus has no utterances with the selected labels', fix: 'check the path and the label list' });
        const datasetHash = await hashCorpus(entries);
        const env: ExtractionEnv = { deps, entries, datasetHash, configDir: input.configDir, signal: ctx.cancellationSignal };
        const adapter = extractorAdapter(input.features);
        const identity = await adapter.identify(input.features, env);
        const { extractor, memoInputs, audio } = identity;
        const result = await memoised(deps.store, 'features', memoInputs, async () => {
          const { matrix, skipped } = adapter.resumable
            ? await extractResumably(deps, memoInputs, ctx, (resume) => adapter.extract(input.features, env, identity, resume))
            : await adapter.extract(input.features, env, identity);
          const featureKey = await deps.store.put(encodeFeatureMatrix(matrix), { label: `features ${extractor}` });
          return {
            featureKey, rows: matrix.rows, cols: matrix.cols,
            classes: [...new Set(matrix.meta.map((m) => m.label))].sort(),
            speakers: [...new Set(matrix.meta.map((m) => m.speaker))].sort(),
            datasetHash, extractor, skipped,
            ...(matrix.shape?.kind === 'sequence' ? { shape: matrix.shape } : {}),
          };
        }, { references: (v) => [v.featureKey] });
        log.info({ featureKey: result.value.featureKey, rows: result.value.rows, cols: result.value.cols, memoHit: result.memoHit, audio: audio?.text }, result.memoHit ? 'features reused from the memo' : 'features extracted');
        return { ...result.value, ...(audio ? { audio } : {}), memoHit: result.memoHit };
      });
    },

    async prepareFolds(input: PrepareFoldsInput): Promise<FoldsRef> {
      return withFailureMapping(async () => {
        const matrix = await loadFeatureMatrix(deps.store, input.featureKey);
        const { folds: spec, seed, maxFolds, excludeSpeakers } = input.protocol;
        // excludeSpeakers: a sweep's held-out speakers, in no fold and so in no row of the experiment.
        const chosen = buildFolds(matrix.meta, spec, { seed, maxFolds, excludeSpeakers });
        const foldsKey = await storeFolds(deps.store, chosen);
        return {
          foldsKey,
          folds: chosen.map((f) => ({ name: f.name, testSpeakers: f.testSpeakers, trainRows: f.trainIndices.length, testRows: f.testIndices.length })),
        };
      });
    },
  };
}

/**
 * Runs an extraction that reads the corpus file by file, appending each finished row to a partial
 * file in the worker's scratch folder, so that a retried attempt on the same worker extracts only
 * the files that are still missing. Heartbeats report files done / total. Concurrent extractions
 * of the same features on one scratch folder share the file; a file's row read twice counts once.
 */
async function extractResumably(
  deps: ActivityDeps,
  memoInputs: unknown,
  ctx: Context,
  run: (resume: ResumeOptions) => Promise<{ matrix: FeatureMatrix; skipped: SkippedFile[] }>,
): Promise<{ matrix: FeatureMatrix; skipped: SkippedFile[] }> {
  const partialDir = join(deps.workDir, 'partial-features');
  await mkdir(partialDir, { recursive: true });
  const partialFile = join(partialDir, `${hashOf(memoInputs)}.jsonl`);
  const earlier: FeatureRow[] = [];
  let columns: string[] | undefined;
  try {
    for (const line of (await readFile(partialFile, 'utf8')).split('\n')) {
      if (!line) continue;
      try {
        const parsed = JSON.parse(line) as { columns: string[]; row: Omit<FeatureRow, 'values'> & { values: number[] } };
        // Extractions of the same corpus running at once on one worker (a sweep's trials, two
        // processes on one state folder) share this file and may both have appended a file's row:
        // the same row, kept once.
        if (earlier.some((r) => r.file === parsed.row.file)) continue;
        columns ??= parsed.columns;
        earlier.push({ ...parsed.row, values: Float32Array.from(parsed.row.values) });
      } catch {
        // a line cut short by a crash: that file is extracted again
      }
    }
  } catch {
    // no partial file: a first attempt
  }
  const existing = columns && earlier.length ? assembleRows(columns, earlier) : undefined;
  const done = new Set(earlier.map((r) => r.file));
  const result = await run({
    ...(existing ? { existing } : {}),
    skip: (file) => done.has(file),
    onProgress: (filesDone, total) => ctx.heartbeat({ filesDone: filesDone + done.size, total: total + done.size }),
    onRow: async (row, cols) => {
      await appendFile(partialFile, JSON.stringify({ columns: cols, row: { ...row, values: Array.from(row.values) } }) + '\n');
    },
  });
  await rm(partialFile, { force: true });
  return result;
}
