/**
 * Stand-ins for a fold's trained augmenters (compute/fold-models), for compute tests: each model
 * is a class-mean generator (synthetic-classes.ts classMeanGenerator) fitted on the rows of the
 * speakers it is asked for, and says it has seen exactly those rows; every request is recorded.
 * `seen: 'every-row'` builds what a fold trained before fit sets: models that have seen every
 * outer-training row whatever they are asked for.
 */
import type { FoldModels, TrainedAugmenter } from '../../compute/fold-models/trained-augmenter';
import { fitSetRows } from '../../compute/fold-models/fit-sets';
import { selectRows, type LabelledSet } from '../../compute/labelled-set';
import { classMeanGenerator } from './synthetic-classes';

export interface RecordingFoldModels extends FoldModels {
  /** The speaker sets asked for, in order (repeats included). */
  requests: string[][];
}

export function classMeanFoldModels(real: LabelledSet, speakers: readonly string[], options: { seen?: 'fit-set' | 'every-row' } = {}): RecordingFoldModels {
  const requests: string[][] = [];
  return {
    requests,
    fittedOn(fitSpeakers): TrainedAugmenter {
      requests.push([...fitSpeakers]);
      const rows = options.seen === 'every-row' ? Array.from({ length: real.rows }, (_, i) => i) : fitSetRows(speakers, fitSpeakers);
      const fitted = selectRows(real, rows);
      const generator = classMeanGenerator(fitted);
      return { generate: (c, n, seed) => generator.generate(c, n, seed), seenRows: () => ({ rows: fitted.rows, cols: fitted.cols, x: fitted.x }) };
    },
  };
}
