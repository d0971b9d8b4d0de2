/**
 * EMO-DB (Berlin Database of Emotional Speech): 535 utterances by 10 actors. Labels and
 * speakers come from the file names, e.g. `03a01Fa.wav`: speaker `03` (chars 1-2), text `a01`
 * (3-5), emotion letter `F` (6), version `a` (7).
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../foundation/errors';
import type { CorpusEntry } from './corpus-entry';

/** Emotion letters of the German file names and the English class names serflow uses. */
export const EMODB_EMOTIONS = {
  W: 'anger',
  L: 'boredom',
  E: 'disgust',
  A: 'fear',
  F: 'happiness',
  T: 'sadness',
  N: 'neutral',
} as const;

export type EmodbEmotion = (typeof EMODB_EMOTIONS)[keyof typeof EMODB_EMOTIONS];

export const EMODB_ALL_EMOTIONS: readonly EmodbEmotion[] = Object.values(EMODB_EMOTIONS);

/** The paper's five classes (408 of the 535 utterances). */
export const PAPER_EMOTIONS: readonly EmodbEmotion[] = ['anger', 'fear', 'happiness', 'sadness', 'neutral'];

export interface EmodbFileName {
  speaker: string;
  text: string;
  emotionLetter: keyof typeof EMODB_EMOTIONS;
  emotion: EmodbEmotion;
  version: string;
}

const FILE_NAME = /^(\d{2})([a-z]\d{2})([WLEAFTN])([a-z])\.wav$/;

/** Parses an EMO-DB file name (no folder). Throws InputError naming the file if it does not match. */
export function parseEmodbFileName(file: string): EmodbFileName {
  const m = FILE_NAME.exec(file);
  if (!m) {
    throw new InputError({
      file,
      reason: 'not an EMO-DB file name (speaker 2 digits, text letter + 2 digits, emotion letter W/L/E/A/F/T/N, version letter, .wav)',
      expected: 'e.g. 03a01Fa.wav',
      actual: file,
      fix: 'keep only the original EMO-DB wav files in the folder, or describe the corpus with a CSV manifest instead',
    });
  }
  const [, speaker, text, letter, version] = m as unknown as [string, string, string, keyof typeof EMODB_EMOTIONS, string];
  return { speaker, text, emotionLetter: letter, emotion: EMODB_EMOTIONS[letter], version };
}

export interface EmodbOptions {
  /** Emotions to keep (English names). Default: the paper's five. */
  emotions?: readonly string[];
}

/**
 * Lists an EMO-DB `wav/` folder as corpus entries, sorted by file name. Files not ending in
 * `.wav` are ignored (the archive ships text files beside the audio); a `.wav` whose name does
 * not follow the scheme is an InputError, because its label would be a guess.
 */
export async function readEmodbCorpus(wavDir: string, options: EmodbOptions = {}): Promise<CorpusEntry[]> {
  const emotions = options.emotions ?? PAPER_EMOTIONS;
  const known = new Set<string>(EMODB_ALL_EMOTIONS);
  const unknown = emotions.filter((e) => !known.has(e));
  if (unknown.length > 0 || emotions.length === 0) {
    throw new InputError({
      field: 'emotions',
      reason: unknown.length > 0 ? `unknown EMO-DB emotion(s) ${unknown.join(', ')}` : 'no emotions selected',
      expected: EMODB_ALL_EMOTIONS,
      actual: emotions,
      fix: 'choose from the seven EMO-DB emotions',
    });
  }
  const keep = new Set(emotions);
  const root = resolve(wavDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError({ file: root, reason: 'EMO-DB folder does not exist', fix: 'point the corpus path at the wav/ folder of the EMO-DB archive' });
    }
    throw err;
  }
  const entries: CorpusEntry[] = [];
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.wav')).sort()) {
    const parsed = parseEmodbFileName(name);
    if (!keep.has(parsed.emotion)) continue;
    entries.push({ path: join(root, name), file: name, label: parsed.emotion, speaker: parsed.speaker });
  }
  if (entries.length === 0) {
    throw new InputError({ file: root, reason: 'no EMO-DB utterances of the selected emotions in this folder', fix: 'point the corpus path at the wav/ folder of the EMO-DB archive' });
  }
  return entries;
}
