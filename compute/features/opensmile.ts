/**
 * Utterance-level openSMILE functionals, one SMILExtract process per file.
 *
 * Each file is first decoded and checked by serflow's own WAV reader (corrupt, zero-length and
 * silent audio are InputErrors naming the file: SMILExtract would happily write a vector of
 * zeros for silence), converted to 16-bit mono at the target rate when it is not already
 * (prepared-audio.ts, shared with the log-Mel extractor; audio-preparation.ts says why, and
 * summarises it per corpus), then handed to SMILExtract, which writes a functionals CSV into a
 * temporary folder.
 *
 * Resuming: pass the rows already extracted (`existing`) and/or a `skip(file)` predicate, and
 * persist rows as they arrive through `onRow`; only the missing files are processed.
 * `extractFileFeatures` computes one file on its own, and `assembleFeatureMatrix` merges rows.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeWavPcm16 } from '../audio/wav';
import { needsConversion } from './audio-preparation';
import type { CorpusEntry } from '../corpus/corpus-entry';
import { InputError } from '../../foundation/errors';
import { assembleFeatureMatrix, type FeatureRow } from './feature-rows';
import type { FeatureMatrix } from './feature-matrix';
import { parseFunctionalsCsv } from './functionals-csv';
import { readPreparedAudio, type AudioPreparationOptions } from './prepared-audio';

/** Where SMILExtract and its standard configs are: the caller knows the installation, this module does not. */
export interface SmileInstallation {
  binary: string;
  configDir: string;
}

/** A resolved feature set: which config to run and which output sink to include. */
export interface FeatureSet {
  name: string;
  /** Absolute path of the main .conf. */
  config: string;
  /** Absolute path of the wave-input include, or null if the config reads `-I` itself. */
  source: string | null;
  /** Absolute path of the output include, or null if the config writes `-func_csv_output` itself. */
  sink: string | null;
  /** Number of functionals the set is known to produce, when it is known (checked after extraction). */
  dimension?: number;
}

/** The standard sets shipped with the opensmile wheel; paths are relative to its config folder. */
export const STANDARD_FEATURE_SETS = {
  ComParE_2016: { config: 'compare/ComParE_2016.conf', sink: 'shared/standard_data_output.conf.inc', dimension: 6373 },
  // eGeMAPSv02 has no delta LLD level: the standard sink would wait for it and write nothing.
  eGeMAPSv02: { config: 'egemaps/v02/eGeMAPSv02.conf', sink: 'shared/standard_data_output_no_lld_de.conf.inc', dimension: 88 },
  emobase: { config: 'emobase/emobase.conf', sink: 'shared/standard_data_output.conf.inc', dimension: 988 },
} as const;

export type StandardFeatureSetName = keyof typeof STANDARD_FEATURE_SETS;

/**
 * Resolves a standard set name, or a path to any .conf that includes the standard
 * `\cm[source...]` / `\cm[sink...]` hooks (as the wheel's configs do) or reads `-I` and writes
 * `-func_csv_output` itself.
 */
export function resolveFeatureSet(set: StandardFeatureSetName | string, configDir: string): FeatureSet {
  const source = join(configDir, 'shared', 'standard_wave_input.conf.inc');
  if (Object.hasOwn(STANDARD_FEATURE_SETS, set)) {
    const s = STANDARD_FEATURE_SETS[set as StandardFeatureSetName];
    return { name: set, config: join(configDir, s.config), source, sink: join(configDir, s.sink), dimension: s.dimension };
  }
  if (!set.endsWith('.conf')) {
    throw new InputError({ field: 'featureSet', reason: `unknown feature set ${JSON.stringify(set)}`, expected: [...Object.keys(STANDARD_FEATURE_SETS), 'a path to a .conf file'], actual: set, fix: 'name a standard set or give the path of an openSMILE .conf' });
  }
  const config = isAbsolute(set) ? set : resolve(set);
  if (!existsSync(config)) throw new InputError({ file: config, field: 'featureSet', reason: 'openSMILE config does not exist', fix: 'check the path of the .conf' });
  return { name: config, config, source, sink: join(configDir, 'shared', 'standard_data_output.conf.inc') };
}

const versions = new Map<string, Promise<string>>();

/** SMILExtract's version line, e.g. "3.0.1 (Rev. 7c78186)", for cache keys. Cached per binary. */
export function smileExtractVersion(binary: string): Promise<string> {
  let v = versions.get(binary);
  if (!v) {
    v = promisify(execFile)(binary, ['-h'], { maxBuffer: 1 << 20 }).then(({ stdout, stderr }) => {
      const m = /openSMILE version\s+([^\n]+)/.exec(stdout + stderr);
      if (!m?.[1]) throw new Error(`could not read the version from \`${binary} -h\`. Fix: check that SERFLOW_SMILEXTRACT points at an openSMILE 3 SMILExtract.`);
      return m[1].trim();
    });
    v.catch(() => versions.delete(binary));
    versions.set(binary, v);
  }
  return v;
}

/** `targetSampleRate` (default 16000, null keeps the file's rate) and `silencePeak` (default 1e-4): prepared-audio.ts. */
export interface FileExtractionOptions extends AudioPreparationOptions {
  smile: SmileInstallation;
  featureSet: FeatureSet;
  /** Folder for temporary WAV/CSV files; it must exist. */
  workDir: string;
  signal?: AbortSignal;
}

/** Extracts the functionals of one file. Bad audio and non-finite features are InputErrors naming it. */
export async function extractFileFeatures(entry: CorpusEntry, options: FileExtractionOptions): Promise<{ columns: string[]; values: Float32Array }> {
  const { smile, featureSet, workDir } = options;
  const prepared = await readPreparedAudio(entry.path, options);
  const stem = uniqueStem(entry.file);
  let input = entry.path;
  if (needsConversion(prepared.preparation)) {
    input = join(workDir, `${stem}.wav`);
    await writeFile(input, encodeWavPcm16(prepared.samples, prepared.sampleRate));
  }
  const output = join(workDir, `${stem}.csv`);
  try {
    await runSmileExtract(smile, featureSet, input, output, entry.path, options.signal);
    let text: string;
    try {
      text = await readFile(output, 'utf8');
    } catch {
      throw new Error(`SMILExtract wrote no functionals for ${entry.path} with ${featureSet.config}. Fix: check that the config includes an output sink for functionals (for eGeMAPSv02 use shared/standard_data_output_no_lld_de.conf.inc).`);
    }
    const parsed = parseFunctionalsCsv(text, entry.path);
    if (featureSet.dimension !== undefined && parsed.values.length !== featureSet.dimension) {
      throw new Error(`${featureSet.name} gave ${parsed.values.length} functionals for ${entry.path}, expected ${featureSet.dimension}. Fix: check the openSMILE version and config (sink include).`);
    }
    return parsed;
  } finally {
    await rm(output, { force: true });
    if (input !== entry.path) await rm(input, { force: true });
  }
}

let stemCounter = 0;
function uniqueStem(file: string): string {
  return `${process.pid}-${++stemCounter}-${file.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80)}`;
}

function runSmileExtract(smile: SmileInstallation, set: FeatureSet, input: string, output: string, file: string, signal?: AbortSignal): Promise<void> {
  const args = ['-C', set.config];
  if (set.source) args.push('-source', set.source);
  if (set.sink) args.push('-sink', set.sink);
  args.push('-I', input, '-func_csv_output', output, '-l', '1');
  return new Promise((resolvePromise, reject) => {
    // cwd = config folder: configs include each other by relative path.
    const child = spawn(smile.binary, args, { cwd: smile.configDir, stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (err) => {
      if (signal?.aborted) reject(signal.reason);
      else reject(new Error(`could not run SMILExtract (${smile.binary}): ${err.message}. Fix: run \`npm run setup\` or set SERFLOW_SMILEXTRACT.`));
    });
    child.on('close', (code, sig) => {
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolvePromise();
      reject(new Error(`SMILExtract failed on ${file} (exit ${code ?? sig}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ExtractionOptions {
  featureSet: StandardFeatureSetName | string | FeatureSet;
  /** The SMILExtract binary and its standard configs (the installation is the caller's business). */
  smile: SmileInstallation;
  /** Parallel SMILExtract processes. Default os.availableParallelism(). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each processed file (extracted or skipped as bad); total counts only files to process. */
  onProgress?: (done: number, total: number) => void;
  /** Files (corpus-relative) not to process in this call, e.g. done by an earlier attempt. */
  skip?: (file: string) => boolean;
  /** Rows from an earlier attempt, reused as they are (their columns must match). */
  existing?: FeatureMatrix;
  /** Called with each new row as soon as it is extracted, in completion order: persist it here. */
  onRow?: (row: FeatureRow, columns: string[]) => void | Promise<void>;
  /** 'fail' (default): the first bad file throws its InputError. 'skip': bad files are reported and left out. */
  onError?: 'fail' | 'skip';
  targetSampleRate?: number | null;
  silencePeak?: number;
  /** Parent of the temporary work folder. Default os.tmpdir(). */
  tempDir?: string;
}

export interface ExtractionResult {
  /** Rows in corpus order: reused and newly extracted, without skipped files. */
  matrix: FeatureMatrix;
  /** Bad files left out (onError 'skip'), with the reason. */
  skipped: SkippedFile[];
  extracted: number;
  reused: number;
  /** SMILExtract processes run at the same time. */
  processes: number;
}

/** Extracts the functionals of every entry that is not skipped or already extracted. */
export async function extractFeatures(entries: readonly CorpusEntry[], options: ExtractionOptions): Promise<ExtractionResult> {
  const { smile } = options;
  const featureSet = typeof options.featureSet === 'string' ? resolveFeatureSet(options.featureSet, smile.configDir) : options.featureSet;
  const onError = options.onError ?? 'fail';
  const processes = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), entries.length || 1));
  const rows = new Map<string, FeatureRow>();
  let columns: string[] | undefined = options.existing?.columns;
  const wanted = new Set(entries.map((e) => e.file));
  if (options.existing) {
    const m = options.existing;
    m.meta.forEach((meta, r) => {
      if (wanted.has(meta.file)) rows.set(meta.file, { ...meta, values: m.data.slice(r * m.cols, (r + 1) * m.cols) });
    });
  }
  const reused = rows.size;
  const todo = entries.filter((e) => !rows.has(e.file) && !(options.skip?.(e.file) ?? false));
  const skipped: SkippedFile[] = [];
  const local = new AbortController();
  const onOuterAbort = (): void => local.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  options.signal?.throwIfAborted();
  const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'serflow-smile-'));
  let next = 0;
  let done = 0;
  let firstError: unknown;

  const worker = async (): Promise<void> => {
    while (next < todo.length && !local.signal.aborted) {
      const entry = todo[next++] as CorpusEntry;
      try {
        const got = await extractFileFeatures(entry, {
          smile, featureSet, workDir, signal: local.signal,
          ...(options.targetSampleRate !== undefined ? { targetSampleRate: options.targetSampleRate } : {}),
          ...(options.silencePeak !== undefined ? { silencePeak: options.silencePeak } : {}),
        });
        if (!columns) columns = got.columns;
        else if (!sameColumns(columns, got.columns)) {
          throw new Error(`${entry.path} gave different feature columns (${got.columns.length}) than the other files (${columns.length}). Fix: extract all files with one SMILExtract version and config; discard rows from older attempts.`);
        }
        const row: FeatureRow = { file: entry.file, label: entry.label, speaker: entry.speaker, values: got.values };
        rows.set(entry.file, row);
        await options.onRow?.(row, columns);
      } catch (err) {
        if (local.signal.aborted) return;
        if (err instanceof InputError && onError === 'skip') {
          skipped.push({ file: entry.file, reason: err.message });
        } else {
          firstError ??= err;
          local.abort(err);
          return;
        }
      }
      options.onProgress?.(++done, todo.length);
    }
  };

  try {
    await Promise.all(Array.from({ length: processes }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    await rm(workDir, { recursive: true, force: true });
  }
  if (firstError !== undefined) throw firstError;
  options.signal?.throwIfAborted();
  if (!columns) {
    throw new InputError({ reason: `no file could be extracted (${skipped.length} skipped as bad audio)`, fix: 'check the corpus: see the skipped-files report' });
  }
  const order = new Map(entries.map((e, i) => [e.file, i]));
  skipped.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
  const present = entries.map((e) => rows.get(e.file)).filter((r): r is FeatureRow => r !== undefined);
  return { matrix: assembleFeatureMatrix(columns, present), skipped, extracted: rows.size - reused, reused, processes };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
