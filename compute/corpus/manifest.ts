/**
 * A generic corpus: a folder of audio and a CSV manifest `path,label,speaker[,split]` beside it.
 *
 * - The header row is required; columns may come in any order; other columns are an error
 *   (a typo like `lable` must not silently drop the labels).
 * - Fields may be quoted ("..." with "" for a quote); blank lines are ignored.
 * - Paths are relative to the manifest's folder and may not leave it (the corpus is that folder,
 *   so its hash and the rows' names do not depend on where it sits).
 * - Every problem is an InputError with the manifest, line number and column.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { InputError } from '../../foundation/errors';
import type { CorpusEntry } from './corpus-entry';
import { DelimitedSyntaxError, parseDelimited } from './delimited-text';

export interface ManifestOptions {
  /**
   * Maps the manifest's labels to class names. A label missing from the map is an InputError;
   * a label mapped to null is dropped (e.g. "other", "xxx"). Default: labels are used as they are.
   */
  labelMap?: Readonly<Record<string, string | null>>;
}

const REQUIRED = ['path', 'label', 'speaker'] as const;
const OPTIONAL = ['split'] as const;

/** Reads a manifest and checks that every listed file exists. */
export async function readManifest(manifestPath: string, options: ManifestOptions = {}): Promise<CorpusEntry[]> {
  const manifest = resolve(manifestPath);
  const root = dirname(manifest);
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError({ file: manifest, reason: 'manifest does not exist', fix: 'give the path of a CSV file with the header path,label,speaker[,split]' });
    }
    throw err;
  }
  const fail = (line: number | undefined, field: string | undefined, reason: string, fix: string): never => {
    throw new InputError({ file: line === undefined ? manifest : `${manifest}:${line}`, ...(field ? { field } : {}), reason, fix });
  };

  let records;
  try {
    records = parseDelimited(text);
  } catch (err) {
    if (err instanceof DelimitedSyntaxError) return fail(err.line, undefined, err.message.replace(/^line \d+: /, ''), 'fix the quoting on that line');
    throw err;
  }
  const header = records[0];
  if (!header) return fail(undefined, undefined, 'manifest is empty', 'add the header path,label,speaker[,split] and one row per file');
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const allowed = new Set<string>([...REQUIRED, ...OPTIONAL]);
  const extra = names.filter((n) => !allowed.has(n));
  const missing = REQUIRED.filter((n) => !names.includes(n));
  if (extra.length > 0 || missing.length > 0) {
    fail(header.line, 'header', `${missing.length ? `missing column(s) ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown column(s) ${extra.join(', ')}` : ''}`,
      'the first line must be a header naming the columns path,label,speaker and optionally split');
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(header.line, 'header', `column ${dup} appears twice`, 'name each column once');
  const col = (name: string): number => names.indexOf(name);

  const entries: CorpusEntry[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  for (const record of records.slice(1)) {
    const { line, fields } = record;
    if (fields.length !== names.length) {
      fail(line, undefined, `row has ${fields.length} fields, the header has ${names.length}`, 'quote fields that contain commas, and give every column a value');
    }
    const value = (name: string): string => (fields[col(name)] ?? '').trim();
    const rel = value('path');
    const rawLabel = value('label');
    const speaker = value('speaker');
    if (rel === '') fail(line, 'path', 'empty path', 'give the audio file path relative to the manifest');
    if (rawLabel === '') fail(line, 'label', 'empty label', 'give every row a label, or remove the row');
    if (speaker === '') fail(line, 'speaker', 'empty speaker', 'give every row a speaker id (folds are built by speaker)');
    if (isAbsolute(rel)) fail(line, 'path', `path ${rel} is absolute`, 'write paths relative to the manifest, so that the corpus can move');
    const file = posix.normalize(rel.split('\\').join('/'));
    if (file === '..' || file.startsWith('../')) fail(line, 'path', `path ${rel} leaves the manifest's folder`, 'put the manifest in the corpus root folder');

    let label = rawLabel;
    if (options.labelMap) {
      if (!Object.hasOwn(options.labelMap, rawLabel)) {
        fail(line, 'label', `label ${JSON.stringify(rawLabel)} is not in the label map (${Object.keys(options.labelMap).join(', ')})`, 'add it to the label map (map it to null to drop such rows), or correct the row');
      }
      const mapped = options.labelMap[rawLabel];
      if (mapped === null || mapped === undefined) continue;
      label = mapped;
    }
    const previous = seen.get(file);
    if (previous !== undefined) fail(line, 'path', `${file} is already listed on line ${previous}`, 'list each file once');
    seen.set(file, line);
    const entry: CorpusEntry = { path: resolve(root, ...file.split('/')), file, label, speaker };
    if (col('split') >= 0) {
      const split = value('split');
      if (split !== '') entry.split = split;
    }
    entries.push(entry);
    lines.push(line);
  }
  if (entries.length === 0) fail(undefined, undefined, 'manifest lists no files', 'add one row per audio file');

  // Existence checks run after parsing so that syntax errors are reported first; a few at a time,
  // and the first problem by line is the one reported, whatever order the checks finish in.
  const problems: (string | undefined)[] = new Array(entries.length);
  let next = 0;
  const check = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const e = entries[i] as CorpusEntry;
      const found = await stat(e.path).catch(() => undefined);
      if (!found) problems[i] = `audio file ${e.file} does not exist (looked for ${e.path})`;
      else if (!found.isFile()) problems[i] = `${e.file} is not a file`;
    }
  };
  await Promise.all([check(), check(), check(), check()]);
  const first = problems.findIndex((p) => p !== undefined);
  if (first >= 0) {
    const more = problems.filter((p) => p !== undefined).length - 1;
    fail(lines[first], 'path', `${problems[first]}${more > 0 ? ` (and ${more} more missing)` : ''}`, 'correct the path (relative to the manifest) or remove the row');
  }
  return entries;
}
