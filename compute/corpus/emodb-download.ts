/**
 * Downloads and unpacks the official EMO-DB archive, for users with internet access.
 *
 *   const wavDir = await downloadEmodb('/data/emodb');   // -> /data/emodb/wav
 *   const entries = await readEmodbCorpus(wavDir);
 *
 * The archive (about 40 MB) is fetched with the global fetch, written to `<dest>/download.zip`
 * through a temporary name (an interrupted download never looks complete), and unpacked with
 * Python's standard `zipfile` module (the project virtualenv has Python; pass `python` to use
 * another interpreter). Nothing is downloaded if `<dest>/wav` already holds 535 wav files.
 * The result is checked: the folder must list the 535 utterances under EMO-DB names.
 *
 * Without internet it fails at once (or after `connectTimeoutMs`) with ArchiveUnreachableError,
 * which says where to put the archive by hand. test/unit/compute/corpus/emodb-download.test.ts
 * serves a generated archive from a local server.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InputError } from '../../foundation/errors';
import { EMODB_ALL_EMOTIONS, readEmodbCorpus } from './emodb';

export const EMODB_ARCHIVE_URL = 'http://emodb.bilderbar.info/download/download.zip';
export const EMODB_UTTERANCES = 535;

export interface EmodbDownloadOptions {
  /** Default EMODB_ARCHIVE_URL. */
  url?: string;
  /** Python interpreter used to unzip. Default `python3`. */
  python?: string;
  signal?: AbortSignal;
  /** Bytes received so far and the total when the server says it (else undefined). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** How long to wait for the server to answer, in ms, before giving up. Default 30 000. */
  connectTimeoutMs?: number;
}

/**
 * The archive could not be fetched (no internet, a proxy, the server down): the caller says
 * where to get it by hand and where to put it. `dest` is the folder it would have unpacked into.
 */
export class ArchiveUnreachableError extends Error {
  override readonly name = 'ArchiveUnreachableError';
  constructor(readonly url: string, readonly why: string, readonly dest: string) {
    super(`cannot download ${url} (${why}). Fix: download it on a machine with internet and unzip it into ${dest}, so that ${join(dest, 'wav')} holds its ${EMODB_UTTERANCES} .wav files`);
  }
}

/** The response headers of `url`, or ArchiveUnreachableError when none arrive in time. */
async function connect(url: string, dest: string, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fetch(url, { signal: controller.signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = controller.signal.aborted ? (controller.signal.reason as Error).message : cause?.message ?? (err as Error).message;
    throw new ArchiveUnreachableError(url, why, dest);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Downloads and unpacks EMO-DB into `dest`; returns the path of its `wav/` folder. */
export async function downloadEmodb(dest: string, options: EmodbDownloadOptions = {}): Promise<string> {
  const root = resolve(dest);
  const wavDir = join(root, 'wav');
  if (await countWav(wavDir) === EMODB_UTTERANCES) return wavDir;
  await mkdir(root, { recursive: true });

  const url = options.url ?? EMODB_ARCHIVE_URL;
  const zip = join(root, 'download.zip');
  const partial = `${zip}.partial`;
  const response = await connect(url, root, options.connectTimeoutMs ?? 30_000, options.signal);
  if (!response.ok || !response.body) {
    throw new ArchiveUnreachableError(url, `HTTP ${response.status} ${response.statusText}`.trim(), root);
  }
  const total = Number(response.headers.get('content-length')) || undefined;
  let received = 0;
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    options.onProgress?.(received, total);
  });
  await pipeline(body, createWriteStream(partial), { signal: options.signal });
  await rename(partial, zip);

  const run = promisify(execFile);
  await run(options.python ?? 'python3', ['-m', 'zipfile', '-e', zip, root], { signal: options.signal });
  await rm(zip, { force: true });

  const entries = await readEmodbCorpus(wavDir, { emotions: EMODB_ALL_EMOTIONS });
  if (entries.length !== EMODB_UTTERANCES) {
    throw new InputError({ file: wavDir, reason: 'the unpacked archive does not hold the EMO-DB utterances', expected: EMODB_UTTERANCES, actual: entries.length, fix: `delete ${root} and download again` });
  }
  return wavDir;
}

async function countWav(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.wav')).length;
}
