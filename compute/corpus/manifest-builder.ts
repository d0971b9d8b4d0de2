/**
 * Builds the CSV manifest that manifest.ts reads (`path,label,speaker`, paths relative to the
 * manifest) from a folder of a well-known corpus, by the corpus's file-name convention
 * (file-name-conventions.ts).
 *
 * - Every `.wav` under the folder is listed, in sub-folders too (RAVDESS ships Actor_01/ ...);
 *   other files are ignored, and so are hidden files and `__MACOSX/` (an archive unpacked on a
 *   Mac carries `._name.wav` shadows that are not audio).
 * - A `.wav` whose name does not follow the convention is an InputError naming it, the pattern
 *   and an example, because its label would be a guess; with `skipBadNames` it is left out and
 *   reported with the reason instead. Nothing usable left is an InputError either way.
 * - The manifest must sit in the corpus folder or above it (the reader does not let paths leave
 *   the manifest's folder); it is written through a temporary name and then read back with
 *   readManifest, so what is returned is exactly what a config with `kind: manifest` will see.
 */
import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../../foundation/errors';
import type { CorpusEntry } from './corpus-entry';
import type { FileNameConvention } from './file-name-conventions';
import { readManifest } from './manifest';

export interface BadFileName {
  /** Path relative to the corpus folder. */
  file: string;
  reason: string;
}

export interface ManifestBuildOptions {
  /** Where to write the manifest. Default `<folder>/manifest.csv`. */
  out?: string;
  /** Leave out (and report) files whose names do not follow the convention instead of failing. Default false. */
  skipBadNames?: boolean;
  /** Replace an existing file at `out`. Default false: a hand-edited manifest is never overwritten silently. */
  overwrite?: boolean;
}

export interface BuiltManifest {
  /** Absolute path of the written manifest. */
  manifest: string;
  /** The entries as readManifest reads them back. */
  entries: CorpusEntry[];
  skipped: BadFileName[];
}

/** Lists the corpus folder by its convention and writes the manifest. */
export async function buildManifest(folder: string, convention: FileNameConvention, options: ManifestBuildOptions = {}): Promise<BuiltManifest> {
  const root = resolve(folder);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError({ file: root, reason: info ? 'is not a folder' : 'folder does not exist', fix: `give the folder that holds the ${convention.title} .wav files` });
  }
  const manifest = resolve(options.out ?? join(root, 'manifest.csv'));
  if (extname(manifest).toLowerCase() !== '.csv') {
    throw new InputError({ file: manifest, field: 'out', reason: 'a manifest is a CSV file (path,label,speaker): the corpus reader reads no other format', fix: 'give a path ending in .csv' });
  }
  const fromManifest = relative(dirname(manifest), root);
  if (fromManifest === '..' || fromManifest.startsWith(`..${sep}`) || isAbsolute(fromManifest)) {
    throw new InputError({ file: manifest, field: 'out', reason: `the manifest must sit in ${root} or a folder above it: its paths may not leave the manifest's folder`, fix: `write it to ${join(root, 'manifest.csv')} (the default)` });
  }
  if (!options.overwrite && await stat(manifest).catch(() => undefined)) {
    throw new InputError({ file: manifest, reason: 'already exists', fix: 'remove it, choose another path, or allow overwriting it' });
  }

  const files = await listWavFiles(root);
  if (files.length === 0) {
    throw new InputError({ file: root, reason: 'holds no .wav files (sub-folders included)', fix: `give the folder of the ${convention.title} audio (e.g. ${convention.example})` });
  }
  const rows: { file: string; label: string; speaker: string }[] = [];
  const skipped: BadFileName[] = [];
  for (const file of files) {
    const parsed = convention.parse(file);
    if (parsed) rows.push({ file, ...parsed });
    else skipped.push({ file, reason: `not a ${convention.title} file name (${convention.pattern})` });
  }
  if (skipped.length > 0 && !options.skipBadNames) {
    const first = skipped[0] as BadFileName;
    throw new InputError({
      file: join(root, first.file),
      reason: `${first.reason}${skipped.length > 1 ? ` (and ${skipped.length - 1} more such files)` : ''}`,
      expected: `e.g. ${convention.example}`, actual: baseName(first.file),
      fix: `rename it or move it out of ${root}, or leave such files out (skipBadNames: serflow data manifest --skip-bad-names)`,
    });
  }
  if (rows.length === 0) {
    throw new InputError({ file: root, reason: `none of its ${files.length} .wav files is named by the ${convention.title} convention (${convention.pattern})`, expected: `e.g. ${convention.example}`, actual: baseName(files[0] as string), fix: 'check that the folder and the corpus name match' });
  }

  const text = ['path,label,speaker', ...rows.map((r) => [relativePath(dirname(manifest), join(root, r.file)), r.label, r.speaker].map(csvField).join(','))].join('\n') + '\n';
  const partial = `${manifest}.partial`;
  await writeFile(partial, text);
  await rename(partial, manifest);
  return { manifest, entries: await readManifest(manifest), skipped };
}

/** Corpus-relative paths (forward slashes) of every .wav under `root`, sorted. */
async function listWavFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === '__MACOSX') continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
      else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.toLowerCase().endsWith('.wav')) found.push(rel);
    }
  };
  await walk(root, '');
  return found.sort();
}

function relativePath(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** A CSV field, quoted when it holds a delimiter, a quote, a line break or edge spaces. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
