/**
 * A few real EMO-DB utterances in a folder of their own, for tests that run openSMILE without
 * paying for the whole corpus: links to the original files, so the folder reads as an EMO-DB
 * `wav/` folder (corpus kind `emodb`) and costs no copies.
 */
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The original EMO-DB `wav/` folder (SERFLOW_EMODB overrides; the same default as test-stack.ts). */
export const emodbWav = resolve(process.env.SERFLOW_EMODB ?? join(__dirname, '..', '..', '..', 'shared', 'emodb', 'wav'));

/**
 * Links the first `perClass` files of each (speaker, emotion letter) into `dir` (made if needed)
 * and returns the linked file names, sorted. Emotion letters as in the file names: W anger,
 * N neutral, T sadness, F happiness, A fear, L boredom, E disgust.
 */
export function linkEmodbSubset(dir: string, options: { speakers: string[]; emotionLetters: string[]; perClass: number }): string[] {
  mkdirSync(dir, { recursive: true });
  const chosen: string[] = [];
  const all = readdirSync(emodbWav).filter((f) => f.endsWith('.wav')).sort();
  for (const speaker of options.speakers) {
    for (const letter of options.emotionLetters) {
      chosen.push(...all.filter((f) => f.startsWith(speaker) && f[5] === letter).slice(0, options.perClass));
    }
  }
  for (const f of chosen) symlinkSync(join(emodbWav, f), join(dir, f));
  return chosen.sort();
}
