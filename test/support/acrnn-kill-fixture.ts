/**
 * The fit that test/unit/compute/classify/acrnn.test.ts's kill test runs in children
 * (test/support/acrnn-fit-child.ts) and in its own process: a tiny ACRNN on tone sequences, with
 * early stopping on given validation rows, long enough per epoch for a kill to land mid-training.
 */
import type { AcrnnModel } from '../../compute/classify/acrnn';
import type { AcrnnSpec } from '../../compute/classify/acrnn-spec';
import type { LabelledSet } from '../../compute/labelled-set';
import { toneSequences } from './tone-sequences';

export function killTestFit(): { spec: Partial<Omit<AcrnnSpec, 'kind'>>; train: LabelledSet; validation: LabelledSet; seed: number } {
  return {
    spec: {
      channels: 3, segmentFrames: 24, convMaps: [6, 8], kernel: [3, 3], pool: [2, 2], linear: 16, lstmUnits: 8, fcUnits: 8,
      batchSize: 8, lr: 3e-3, epochs: 6, earlyStopping: { validationFraction: 0.1, patience: 6 },
    },
    train: toneSequences({ perClass: [30, 30, 30], bands: 8, minFrames: 12, maxFrames: 60, tone: 0.7, seed: 31 }),
    validation: toneSequences({ perClass: [6, 6, 6], bands: 8, minFrames: 12, maxFrames: 60, tone: 0.7, seed: 32 }),
    seed: 2024,
  };
}

/** The model's weights and running averages, concatenated, as bytes. */
export function modelBytes(model: AcrnnModel): Buffer {
  const { mean, variance } = model.runningAverages();
  return Buffer.concat([...model.weights(), mean, variance].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}
