/**
 * Content hash of a corpus: sha256 over its entries sorted by file, each with the sha256 of the
 * file's bytes. Two corpora hash equal exactly when they hold the same audio under the same
 * names with the same labels, speakers and splits, wherever they sit on disk, so the hash can
 * key caches of extracted features.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InputError } from '../../foundation/errors';
import type { CorpusEntry } from './corpus-entry';

/** sha256 (hex) of a file's content, streamed. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError({ file: path, reason: 'audio file does not exist', fix: 'check the corpus folder, or rebuild the manifest' });
    }
    throw err;
  }
  return hash.digest('hex');
}

export interface CorpusHashOptions {
  signal?: AbortSignal;
  /** Called after each file is hashed. */
  onProgress?: (done: number, total: number) => void;
  /** Files hashed at the same time (I/O bound). Default 4. */
  concurrency?: number;
}

/** sha256 (hex) of the corpus. Entry order does not matter; duplicate files are an InputError. */
export async function hashCorpus(entries: readonly CorpusEntry[], options: CorpusHashOptions = {}): Promise<string> {
  const sorted = [...entries].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.file === sorted[i - 1]?.file) {
      throw new InputError({ file: sorted[i]?.file, reason: 'the corpus lists this file twice', fix: 'remove the duplicate entry' });
    }
  }
  const contentHashes = new Array<string>(sorted.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < sorted.length) {
      const i = next++;
      options.signal?.throwIfAborted();
      contentHashes[i] = await sha256File((sorted[i] as CorpusEntry).path, options.signal);
      options.onProgress?.(++done, sorted.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));

  const hash = createHash('sha256');
  hash.update('serflow-corpus-v1\n');
  sorted.forEach((e, i) => {
    // JSON per line: no separator inside a field can make two corpora collide.
    hash.update(JSON.stringify([e.file, e.label, e.speaker, e.split ?? null, contentHashes[i]]) + '\n');
  });
  return hash.digest('hex');
}
