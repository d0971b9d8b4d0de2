/**
 * Sample reproduction: synthetic samples are copies of real training samples of the same class,
 * drawn evenly (see evenDraws).
 */
import type { LabelledSet } from '../labelled-set';
import { Rng } from '../random';
import type { AmountSpec } from './amount';
import { additionsPerClass } from './amount';
import type { AugmentationResult } from './augmented-set';
import { appendRows, evenSourcesPerClass, reportOf } from './augmented-set';

export function duplicateSamples(set: LabelledSet, amount: AmountSpec, seed: number): AugmentationResult {
  const rng = new Rng(seed);
  const added = additionsPerClass(set, amount);
  const { labels, sources } = evenSourcesPerClass(set, added, rng);
  const { cols } = set;
  const out = appendRows(set, labels, (row, i) => {
    const r = sources[i] as number;
    row.set(set.x.subarray(r * cols, (r + 1) * cols));
  });
  return { set: out, report: reportOf('duplicate', set, added, out.rows) };
}
