/**
 * Resolves an experiment's corpus block to corpus entries. Relative paths are relative to the
 * folder of the config file they were written in.
 */
import { isAbsolute, resolve } from 'node:path';
import type { CorpusEntry } from '../compute/corpus/corpus-entry';
import { readEmodbCorpus } from '../compute/corpus/emodb';
import { readManifest } from '../compute/corpus/manifest';
import type { ExperimentConfig } from '../configs/schema/experiment';

export function resolveConfigPath(path: string, configDir: string): string {
  return isAbsolute(path) ? path : resolve(configDir, path);
}

export async function corpusEntries(corpus: ExperimentConfig['corpus'], configDir: string): Promise<CorpusEntry[]> {
  const path = resolveConfigPath(corpus.path, configDir);
  if (corpus.kind === 'emodb') return readEmodbCorpus(path, { emotions: corpus.emotions });
  const entries = await readManifest(path);
  return corpus.labels ? entries.filter((e) => corpus.labels?.includes(e.label)) : entries;
}
