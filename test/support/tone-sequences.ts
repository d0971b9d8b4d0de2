/**
 * Synthetic sequence sets for the mechanics of sequence classifiers: utterances of random length
 * whose class is the band that carries a tone. Frame values are N(0, 1) noise, plus `tone` on
 * band 2c + 1 of every real frame for class c; frames from a row's length on are zero padding,
 * as LabelledSet.sequence requires. No files, no corpus.
 */
import type { LabelledSet } from '../../compute/labelled-set';
import { Rng } from '../../compute/random';

export interface ToneOptions {
  perClass: number[];
  bands: number;
  /** Row lengths are drawn uniformly from minFrames..maxFrames; `frames` (the padded width) is maxFrames. */
  minFrames: number;
  maxFrames: number;
  tone?: number;
  seed?: number;
}

export function toneSequences({ perClass, bands, minFrames, maxFrames, tone = 1.5, seed = 17 }: ToneOptions): LabelledSet {
  if (2 * perClass.length > bands) throw new RangeError(`${perClass.length} classes need ${2 * perClass.length} bands`);
  const rng = new Rng(seed);
  const rows = perClass.reduce((a, b) => a + b, 0);
  const cols = maxFrames * bands;
  const x = new Float32Array(rows * cols);
  const y = new Int32Array(rows);
  const lengths = new Int32Array(rows);
  let r = 0;
  perClass.forEach((n, c) => {
    for (let i = 0; i < n; i++, r++) {
      y[r] = c;
      const length = minFrames + rng.int(maxFrames - minFrames + 1);
      lengths[r] = length;
      for (let t = 0; t < length; t++) {
        for (let b = 0; b < bands; b++) x[r * cols + t * bands + b] = rng.normal() + (b === 2 * c + 1 ? tone : 0);
      }
    }
  });
  return { rows, cols, x, y, classes: perClass.map((_, c) => `class${c}`), sequence: { frames: maxFrames, bands, lengths } };
}
