/**
 * `serflow data`: corpora in the shape configs read.
 *
 *   serflow data fetch emodb [--to DIR] [--url URL]
 *     downloads EMO-DB into DIR (default: ../shared/emodb beside the clone, where the configs in
 *     configs/ read it); without internet, one line says where to get it and where to put it.
 *   serflow data manifest <corpus> <folder> [--out FILE.csv] [--skip-bad-names] [--force]
 *     writes the CSV manifest of a RAVDESS, CREMA-D, SAVEE, TESS or EMO-DB folder from its
 *     file names, for a config's `corpus: { kind: manifest, path: FILE.csv }`.
 */
import { join, resolve } from 'node:path';
import { ArchiveUnreachableError, downloadEmodb, EMODB_UTTERANCES } from '../../compute/corpus/emodb-download';
import { CORPUS_CONVENTION_NAMES, fileNameConvention } from '../../compute/corpus/file-name-conventions';
import { buildManifest } from '../../compute/corpus/manifest-builder';
import { InputError } from '../../foundation/errors';
import { repoRoot } from '../../infra/paths';
import { ExitCode } from '../exit-codes';

/** Where the configs in configs/ read EMO-DB (`../../shared/emodb/wav` from configs/), without the `wav`. */
export const EMODB_DEFAULT_DEST = resolve(repoRoot, '..', 'shared', 'emodb');

export interface DataCommandOptions {
  to?: string;
  url?: string;
  out?: string;
  skipBadNames?: boolean;
  force?: boolean;
  json?: boolean;
}

const USAGE = `serflow data fetch emodb [--to DIR] [--url URL]
serflow data manifest <${CORPUS_CONVENTION_NAMES.join('|')}> <folder> [--out FILE.csv] [--skip-bad-names] [--force]`;

export async function dataCommand(args: readonly string[], options: DataCommandOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'fetch') return fetchCommand(rest, options, out, err);
  if (action === 'manifest') return manifestCommand(rest, options, out, err);
  err.write(`serflow: data needs fetch or manifest:\n${USAGE}\n`);
  return ExitCode.badInput;
}

async function fetchCommand(rest: readonly string[], options: DataCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (rest[0]?.toLowerCase() !== 'emodb' || rest.length > 1) {
    err.write(`serflow: data fetch knows emodb only (the other corpora need a licence or an account: download them, then \`serflow data manifest\`):\n${USAGE}\n`);
    return ExitCode.badInput;
  }
  const dest = resolve(options.to ?? EMODB_DEFAULT_DEST);
  const wavDir = join(dest, 'wav');
  const byHand = dest === EMODB_DEFAULT_DEST
    ? ' (the configs in configs/ read ../shared/emodb/wav beside the clone), or put the wav/ folder anywhere and set corpus.path in your config to it'
    : `, and set corpus.path in your config to ${wavDir}`;
  let lastShown = -1;
  try {
    await downloadEmodb(dest, {
      ...(options.url ? { url: options.url } : {}),
      onProgress: (received, total) => {
        const tenth = total ? Math.floor((received / total) * 10) : -1;
        if (options.json || tenth === lastShown || tenth < 0) return;
        lastShown = tenth;
        err.write(`EMO-DB: ${(received / 1e6).toFixed(1)} of ${((total ?? 0) / 1e6).toFixed(1)} MB\n`);
      },
    });
  } catch (error) {
    if (!(error instanceof ArchiveUnreachableError)) throw error;
    // One line, with what to do by hand: this machine may have no internet at all.
    throw new Error(error.message + byHand);
  }
  if (options.json) out.write(JSON.stringify({ corpus: 'emodb', wavDir, utterances: EMODB_UTTERANCES }) + '\n');
  else out.write(`EMO-DB: ${EMODB_UTTERANCES} utterances in ${wavDir}; ${dest === EMODB_DEFAULT_DEST ? 'the configs in configs/ read it there' : `set corpus.path in your config to ${wavDir}`}\n`);
  return ExitCode.ok;
}

async function manifestCommand(rest: readonly string[], options: DataCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [corpus, folder, ...extra] = rest;
  if (!corpus || !folder || extra.length > 0) {
    err.write(`serflow: data manifest needs a corpus name and its folder:\n${USAGE}\n`);
    return ExitCode.badInput;
  }
  const convention = fileNameConvention(corpus);
  const built = await buildManifest(folder, convention, {
    ...(options.out ? { out: options.out } : {}), skipBadNames: options.skipBadNames === true, overwrite: options.force === true,
  });
  const labels: Record<string, number> = {};
  for (const e of built.entries) labels[e.label] = (labels[e.label] ?? 0) + 1;
  const speakers = new Set(built.entries.map((e) => e.speaker)).size;
  if (options.json) {
    out.write(JSON.stringify({ manifest: built.manifest, corpus: convention.title, files: built.entries.length, speakers, labels, skipped: built.skipped }) + '\n');
    return ExitCode.ok;
  }
  if (built.skipped.length > 0) {
    const shown = built.skipped.slice(0, 5).map((s) => s.file).join(', ');
    err.write(`skipped ${built.skipped.length} .wav files not named by the ${convention.title} convention (${convention.pattern}): ${shown}${built.skipped.length > 5 ? ', ...' : ''}\n`);
  }
  const labelText = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, n]) => `${label} ${n}`).join(', ');
  out.write(`${convention.title}: ${built.entries.length} files, ${speakers} speakers (${labelText}) in ${built.manifest}\n`);
  out.write(`use it in a config: corpus: { kind: manifest, path: ${built.manifest} }  (or the path relative to the config file)\n`);
  return ExitCode.ok;
}

/** Options of `serflow data` read from the parsed command line; a non-string value is an InputError. */
export function dataOptions(values: Record<string, unknown>): DataCommandOptions {
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new InputError({ field: `--${name}`, reason: 'needs a value', fix: `write --${name} <value>` });
    return v;
  };
  const to = text('to');
  const url = text('url');
  const outFile = text('out');
  return {
    ...(to ? { to } : {}), ...(url ? { url } : {}), ...(outFile ? { out: outFile } : {}),
    skipBadNames: values['skip-bad-names'] === true, force: values.force === true, json: values.json === true,
  };
}
