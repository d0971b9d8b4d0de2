/**
 * How each extractor of compute/features/feature-spec.ts runs in an activity: what identifies its
 * result for the memo (cheap: hashes and versions, no extraction) and how it extracts, resuming
 * from the rows an earlier attempt left (activities/feature-activities.ts keeps those). A new
 * extractor adds its entry here; the activity does not change.
 */
import { sha256File } from '../compute/corpus/corpus-hash';
import type { CorpusEntry } from '../compute/corpus/corpus-entry';
import { TARGET_SAMPLE_RATE } from '../compute/audio/resample';
import { surveyAudioPreparation, type AudioPreparationSummary } from '../compute/features/audio-preparation';
import type { FeatureMatrix } from '../compute/features/feature-matrix';
import type { FeatureRow } from '../compute/features/feature-rows';
import type { ExtractorKind, FeatureSpec } from '../compute/features/feature-spec';
import { LOG_MEL_VERSION } from '../compute/features/log-mel';
import { extractLogMel } from '../compute/features/log-mel-extraction';
import { extractFeatures as extractFunctionals, resolveFeatureSet, smileExtractVersion, type SkippedFile } from '../compute/features/opensmile';
import { importFeatureTable } from '../compute/features/table-import';
import type { ActivityDeps } from './activity-deps';
import { resolveConfigPath } from './corpus-source';

export interface ExtractionEnv {
  deps: Pick<ActivityDeps, 'installation'>;
  entries: readonly CorpusEntry[];
  datasetHash: string;
  configDir: string;
  signal: AbortSignal;
}

export interface ExtractionIdentity {
  /** Recorded with the run: `opensmile:ComParE_2016`, `table:<path>`, ... */
  extractor: string;
  /** Everything the result depends on: the memo key. */
  memoInputs: unknown;
  /** What is done to the audio before extraction, for an extractor that reads audio. */
  audio?: AudioPreparationSummary;
}

/** An earlier attempt's rows, and where to report the new ones (extractors that read audio file by file). */
export interface ResumeOptions {
  existing?: FeatureMatrix;
  skip: (file: string) => boolean;
  onRow: (row: FeatureRow, columns: string[]) => Promise<void>;
  onProgress: (done: number, total: number) => void;
}

interface ExtractorAdapter<S extends FeatureSpec> {
  identify(spec: S, env: ExtractionEnv): Promise<ExtractionIdentity>;
  /** Whether `extract` resumes file by file (ResumeOptions); one that does not runs whole on each attempt. */
  resumable: boolean;
  extract(spec: S, env: ExtractionEnv, identity: ExtractionIdentity, resume?: ResumeOptions): Promise<{ matrix: FeatureMatrix; skipped: SkippedFile[] }>;
}

/** Parses headers only, decodes no audio; outside the memo, so that a memo hit reports it too. */
function audioSurvey(env: ExtractionEnv): Promise<AudioPreparationSummary> {
  return surveyAudioPreparation(env.entries.map((e) => e.path), TARGET_SAMPLE_RATE, { signal: env.signal });
}

export const EXTRACTOR_ADAPTERS: { [K in ExtractorKind]: ExtractorAdapter<Extract<FeatureSpec, { extractor: K }>> } = {
  opensmile: {
    async identify(spec, env) {
      const audio = await audioSurvey(env);
      const smile = env.deps.installation.smileExtract();
      const featureSet = resolveFeatureSet(spec.set, smile.configDir);
      const extractor = `opensmile:${featureSet.name}`;
      const memoInputs = { datasetHash: env.datasetHash, extractor, configHash: await sha256File(featureSet.config), smile: await smileExtractVersion(smile.binary), onError: spec.onError };
      return { extractor, memoInputs, audio };
    },
    resumable: true,
    async extract(spec, env, _identity, resume) {
      const { matrix, skipped } = await extractFunctionals(env.entries, {
        featureSet: spec.set, smile: env.deps.installation.smileExtract(), onError: spec.onError, signal: env.signal,
        ...(resume?.existing ? { existing: resume.existing } : {}),
        ...(resume ? { skip: resume.skip, onRow: resume.onRow, onProgress: resume.onProgress } : {}),
      });
      return { matrix, skipped };
    },
  },
  table: {
    async identify(spec, env) {
      const tablePath = resolveConfigPath(spec.path, env.configDir);
      return { extractor: `table:${tablePath}`, memoInputs: { datasetHash: env.datasetHash, table: await sha256File(tablePath) } };
    },
    resumable: false,
    async extract(spec, env) {
      return { matrix: await importFeatureTable(resolveConfigPath(spec.path, env.configDir), { corpus: env.entries }), skipped: [] };
    },
  },
  logmel: {
    async identify(spec, env) {
      const audio = await audioSurvey(env);
      const { extractor: _kind, onError, ...logMel } = spec;
      const extractor = `logmel:${logMel.bands}`;
      return { extractor, memoInputs: { datasetHash: env.datasetHash, extractor, logMel, version: LOG_MEL_VERSION, onError }, audio };
    },
    resumable: true,
    async extract(spec, env, _identity, resume) {
      const { extractor: _kind, onError, ...logMel } = spec;
      const { matrix, skipped } = await extractLogMel(env.entries, {
        spec: logMel, onError, signal: env.signal,
        ...(resume?.existing ? { existing: resume.existing } : {}),
        ...(resume ? { skip: resume.skip, onRow: resume.onRow, onProgress: resume.onProgress } : {}),
      });
      return { matrix, skipped };
    },
  },
};

/** The adapter of a spec's extractor, typed for that spec. */
export function extractorAdapter(spec: FeatureSpec): ExtractorAdapter<FeatureSpec> {
  return EXTRACTOR_ADAPTERS[spec.extractor] as ExtractorAdapter<FeatureSpec>;
}
