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
 * Not exercised by the test suite (the test machines have no internet).
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
  const response = await fetch(url, { signal: options.signal });
  if (!response.ok || !response.body) {
    throw new Error(`EMO-DB download from ${url} failed: HTTP ${response.status}. Fix: check the internet connection, or download the archive by hand and unzip it into ${root}.`);
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
