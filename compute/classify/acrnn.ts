/**
 * The ACRNN classifier of Chen et al. 2018 ("3-D Convolutional Recurrent Neural Networks With
 * Attention Model for Speech Emotion Recognition") on tfjs-node: log-Mel sequences cut into
 * segments of 3 s, a convolutional stack, a bidirectional LSTM, attention pooling over time, a
 * batch-normalised fully connected layer and a softmax (compute/nn/acrnn-network.ts); Adam,
 * mini-batches of segments, each labelled with its utterance's class. An utterance's posterior
 * is the maximum over its segments' posteriors, class by class; its class the largest of those.
 *
 * What is ours rather than tfjs's, and why (details in the modules named):
 * - the LSTM is TensorFlow's one-kernel BlockLSTMV2 with its BlockLSTMGradV2 as a tfjs custom
 *   gradient (compute/nn/bidirectional-lstm.ts): tf.layers.lstm runs a dozen kernels per time
 *   step and twice as many backwards; the test checks it against an LSTM of tfjs ops;
 * - attention pooling is written with tfjs ops (tfjs has no such layer), differentiated by tfjs;
 * - the leaky ReLU's gradient is TensorFlow's one LeakyReluGrad kernel instead of tfjs's three;
 * - the parameters are TensorFlow resource variables updated in place by the fused Adam kernel
 *   (compute/nn/fused-adam.ts), as the DNN's, so that a checkpoint holds the moments exactly.
 * Everything else (convolutions, pooling, batch normalisation, losses) is differentiated by tfjs.
 *
 * Input (compute/classify/acrnn-input.ts): a LabelledSet with `sequence` (refused otherwise, with
 * an InputError naming the field); rows normalised per band on the training rows by the caller.
 * With 3 channels, deltas and delta-deltas are computed on each utterance's own frames and
 * normalised per band by the fit rows' statistics, which the model records.
 *
 * Early stopping (on by default; `earlyStopping: null` trains exactly `epochs`): after every epoch
 * the validation rows' unweighted average recall, utterance level with max-pooled posteriors, as
 * the authors chose their epoch; ties go to the lower mean segment cross-entropy. Training stops
 * `patience` epochs after the best and the best epoch's weights (and batch-norm running averages)
 * are restored. The rows are the caller's `validation` (whole held-out speakers); without them, a
 * stratified part of `train` is held out, drawn from the seed, as the DNN does.
 *
 * Determinism: the initial weights come from Rng(deriveSeed(seed, 'acrnn', 'init')), the hold-out
 * from deriveSeed(seed, 'acrnn', 'holdout'), and epoch e's batch order from
 * deriveSeed(seed, 'acrnn', 'epoch', e): no generator state crosses an epoch boundary, so a
 * checkpoint (compute/classify/acrnn-checkpoint.ts: weights, Adam moments and step, running
 * averages, the early-stopping record) continues bit-identically on the same machine and thread
 * count. The same set and seed give the same weights.
 *
 * Tensor discipline: fit() leaves exactly the model's variables alive; dispose() frees them.
 */
import { InputError, NumericalError } from '../../foundation/errors';
import { confusionMatrix, metricsFromConfusion } from '../metrics';
import type { LabelledSet } from '../labelled-set';
import type { AcrnnNetwork } from '../nn/acrnn-network';
import { acrnnPosteriors, acrnnTrainingStep, createAcrnnNetwork } from '../nn/acrnn-network';
import { deriveSeed, Rng } from '../random';
import { tf } from '../tf';
import type { AcrnnCheckpoint, BestEpoch } from './acrnn-checkpoint';
import { acrnnDataHash, decodeAcrnnCheckpoint, encodeAcrnnCheckpoint } from './acrnn-checkpoint';
import type { DeltaNormalisation, Segments, SequenceInput } from './acrnn-input';
import { checkSequence, fitDeltaNormalisation, segmentsOf, sequenceInputOf } from './acrnn-input';
import type { AcrnnSpec } from './acrnn-spec';
import { acrnnSpecSchema } from './acrnn-spec';
import type { Classifier, FitOptions, TrainedModel } from './classifier';

type AcrnnSpecOptions = Partial<Omit<AcrnnSpec, 'kind'>>;

export interface AcrnnModel extends TrainedModel {
  /** Utterance posteriors [rows x classes], row-major: per class the maximum over the row's segments. */
  posteriors(x: Float32Array, rows: number, lengths: Int32Array): Float32Array;
  /** Copies of the parameters in compute/nn/acrnn-network.ts's order, for tests and inspection. */
  weights(): Float32Array[];
  /** Batch-norm running mean and variance, as inference uses them. */
  runningAverages(): { mean: Float32Array; variance: Float32Array };
  /** The derived channels' per-band statistics of the fit rows (3 channels), null with 1 channel. */
  readonly deltaNormalisation: DeltaNormalisation | null;
  /** Epochs trained (fewer than spec.epochs when early stopping stopped it). */
  readonly epochsTrained: number;
  /** The epoch whose weights were kept under early stopping, null without it. */
  readonly bestEpoch: number | null;
  readonly bestValidationUar: number | null;
}

/** Segments per forward pass at inference: bounds the activations' memory (about 1 GB at Chen's widths). */
const INFERENCE_CHUNK = 32;

export class AcrnnClassifier implements Classifier {
  readonly spec: AcrnnSpec;

  constructor(spec: AcrnnSpecOptions = {}) {
    this.spec = acrnnSpecSchema.parse({ ...spec, kind: 'acrnn' });
  }

  async fit(train: LabelledSet, seed: number, options: FitOptions = {}): Promise<AcrnnModel> {
    const spec = this.spec;
    const input = sequenceInputOf(train, 'train');
    const { bands } = input;
    const nClasses = train.classes.length;
    if (Math.floor(bands / spec.pool[1]) < 1) {
      throw new InputError({ field: 'train.sequence.bands', reason: `${bands} bands pool to nothing with a frequency pool of ${spec.pool[1]}`, fix: 'use more mel bands or a smaller acrnn.pool' });
    }
    const given = spec.earlyStopping && options.validation && options.validation.rows > 0 ? options.validation : undefined;
    const validationInput = given ? checkedValidation(given, train, bands) : undefined;

    const allRows = Array.from({ length: train.rows }, (_, i) => i);
    const holdout = spec.earlyStopping && !given ? stratifiedHoldout(train.y, nClasses, spec.earlyStopping.validationFraction, new Rng(deriveSeed(seed, 'acrnn', 'holdout'))) : undefined;
    const fitRows = holdout ? holdout.fitRows : allRows;
    const validation = given && validationInput ? { input: validationInput, rows: Array.from({ length: given.rows }, (_, i) => i), y: given.y }
      : holdout && holdout.validationRows.length > 0 ? { input: input as SequenceInput, rows: holdout.validationRows, y: train.y }
      : undefined;

    const norm = spec.channels === 3 ? fitDeltaNormalisation(input, fitRows) : undefined;
    const segments = segmentsOf(input, fitRows, spec.segmentFrames, spec.channels, norm, train.y);
    const validationSegments = validation ? segmentsOf(validation.input, validation.rows, spec.segmentFrames, spec.channels, norm, validation.y) : undefined;
    const validationLabels = validation ? Int32Array.from(validation.rows, (r) => validation.y[r] as number) : undefined;
    const dataHash = acrnnDataHash([
      { x: train.x, y: train.y, frames: input.frames, bands, lengths: Int32Array.from(input.lengths) },
      ...(given && validationInput ? [{ x: given.x, y: given.y, frames: validationInput.frames, bands, lengths: Int32Array.from(validationInput.lengths) }] : []),
    ]);

    const network = createAcrnnNetwork(spec, { bands, classes: nClasses }, spec.lr, new Rng(deriveSeed(seed, 'acrnn', 'init')));
    let bestSnapshot: tf.Tensor[] | null = null;
    let best: BestEpoch | null = null;
    let epoch = 0;
    try {
      if (options.checkpoint?.restored) {
        const c = decodeAcrnnCheckpoint(options.checkpoint.restored);
        const mismatch = c.seed !== seed ? 'seed' : JSON.stringify(c.spec) !== JSON.stringify(spec) ? 'spec'
          : JSON.stringify(c.classes) !== JSON.stringify(train.classes) || c.bands !== bands ? 'classes or bands' : c.dataHash !== dataHash ? 'training or validation data' : undefined;
        if (mismatch) throw new InputError({ field: 'checkpoint', reason: `the checkpoint was written by another fit: its ${mismatch} differs`, fix: 'resume with the set, seed and spec the checkpoint was written with, or train from scratch' });
        network.load(c.network);
        epoch = c.epoch;
        best = c.best;
        bestSnapshot = c.bestWeights ? c.bestWeights.map((w, i) => tf.keep(tf.tensor(w, i < network.params.length ? (network.params[i]?.shape as number[]) : [spec.fcUnits]))) : null;
      }
      const patience = spec.earlyStopping?.patience ?? Infinity;
      while (epoch < spec.epochs && !(best && epoch - best.epoch >= patience)) {
        epoch += 1;
        const order = new Rng(deriveSeed(seed, 'acrnn', 'epoch', epoch)).shuffle(Array.from({ length: segments.count }, (_, i) => i));
        let lossSum = tf.scalar(0);
        for (let start = 0; start < order.length; start += spec.batchSize) {
          const batch = order.slice(start, start + spec.batchSize);
          const [xs, ys] = batchTensors(segments, batch, spec.segmentFrames, bands, spec.channels, nClasses);
          const loss = acrnnTrainingStep(network, xs, ys);
          const sum = lossSum;
          const next = tf.tidy(() => tf.add(sum, tf.mul(loss, batch.length)) as tf.Scalar);
          tf.dispose([xs, ys, lossSum, loss]);
          lossSum = next;
          // Lets heartbeats and cancellation through between steps.
          await new Promise(setImmediate);
        }
        const loss = (lossSum.dataSync()[0] as number) / segments.count;
        lossSum.dispose();
        if (!Number.isFinite(loss)) throw new NumericalError(`ACRNN training loss is ${loss} in epoch ${epoch}`, { epoch, lr: spec.lr });
        let figures: { validationLoss?: number; validationUar?: number } = {};
        if (validationSegments && validationLabels) {
          const v = evaluate(network, validationSegments, validationLabels, nClasses, bands);
          figures = { validationLoss: v.loss, validationUar: v.uar };
          if (!best || v.uar > best.uar || (v.uar === best.uar && v.loss < best.loss)) {
            best = { epoch, uar: v.uar, loss: v.loss };
            tf.dispose(bestSnapshot ?? []);
            bestSnapshot = network.inferenceSnapshot().map((t) => tf.keep(t));
          }
        }
        await options.onEpoch?.({ epoch, loss, ...figures });
        const cp = options.checkpoint;
        if (cp && cp.everyEpochs > 0 && epoch % cp.everyEpochs === 0) {
          const state: AcrnnCheckpoint = {
            spec, seed, classes: train.classes, bands, dataHash, epoch, network: network.state(), best,
            bestWeights: bestSnapshot ? bestSnapshot.map((t) => t.dataSync() as Float32Array) : null,
          };
          await cp.save(encodeAcrnnCheckpoint(state), epoch);
        }
      }
      if (bestSnapshot) network.restoreInference(bestSnapshot);
    } catch (err) {
      network.destroy();
      throw err;
    } finally {
      tf.dispose(bestSnapshot ?? []);
    }
    return acrnnModel(network, spec, bands, nClasses, norm ?? null, epoch, best);
  }
}

function acrnnModel(network: AcrnnNetwork, spec: AcrnnSpec, bands: number, nClasses: number, norm: DeltaNormalisation | null, epochsTrained: number, best: BestEpoch | null): AcrnnModel {
  let disposed = false;
  const posteriors = (x: Float32Array, rows: number, lengths: Int32Array): Float32Array => {
    if (disposed) throw new Error('ACRNN model used after dispose()');
    if (!(lengths instanceof Int32Array) || lengths.length !== rows) {
      throw new InputError({ field: 'lengths', reason: 'an ACRNN predicts sequences and needs each row\'s number of frames', expected: `${rows} lengths`, actual: lengths?.length ?? 'none', fix: 'pass the set\'s sequence.lengths to predict' });
    }
    if (rows === 0) return new Float32Array(0);
    const frames = x.length / (rows * bands);
    if (!Number.isInteger(frames)) throw new RangeError(`predict: ${x.length} values are not ${rows} rows of whole frames of ${bands} bands`);
    const input: SequenceInput = { x, rows, frames, bands, lengths };
    checkSequence(input, 'predict');
    const segments = segmentsOf(input, Array.from({ length: rows }, (_, i) => i), spec.segmentFrames, spec.channels, norm ?? undefined);
    return utterancePosteriors(segmentPosteriors(network, segments, bands, nClasses), segments.first, nClasses);
  };
  return {
    epochsTrained,
    bestEpoch: best?.epoch ?? null,
    bestValidationUar: best?.uar ?? null,
    deltaNormalisation: norm,
    posteriors,
    predict(x: Float32Array, rows: number, lengths?: Int32Array): Int32Array {
      return argmaxRows(posteriors(x, rows, lengths as Int32Array), rows, nClasses);
    },
    weights: () => network.weights(),
    runningAverages: () => ({ mean: network.runningMean.values(), variance: network.runningVariance.values() }),
    dispose(): void {
      if (!disposed) network.destroy();
      disposed = true;
    },
  };
}

/** Posteriors of every segment [count x classes], in chunks, at inference. */
function segmentPosteriors(network: AcrnnNetwork, segments: Segments, bands: number, nClasses: number): Float32Array {
  const { segmentFrames, channels } = network.arch;
  const per = segmentFrames * bands * channels;
  const out = new Float32Array(segments.count * nClasses);
  for (let start = 0; start < segments.count; start += INFERENCE_CHUNK) {
    const n = Math.min(INFERENCE_CHUNK, segments.count - start);
    const p = tf.tidy(() => acrnnPosteriors(network, tf.tensor4d(segments.x.subarray(start * per, (start + n) * per), [n, segmentFrames, bands, channels])).dataSync());
    out.set(p, start * nClasses);
  }
  return out;
}

/** Per utterance and class, the maximum of its segments' posteriors. */
function utterancePosteriors(segment: Float32Array, first: Int32Array, nClasses: number): Float32Array {
  const rows = first.length - 1;
  const out = new Float32Array(rows * nClasses).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let s = first[r] as number; s < (first[r + 1] as number); s++) {
      for (let c = 0; c < nClasses; c++) out[r * nClasses + c] = Math.max(out[r * nClasses + c] as number, segment[s * nClasses + c] as number);
    }
  }
  return out;
}

/** The first largest value's column of each row. */
function argmaxRows(p: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if ((p[r * cols + c] as number) > (p[r * cols + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}

/** Validation UAR (utterance level, max-pooled posteriors) and mean segment cross-entropy. */
function evaluate(network: AcrnnNetwork, segments: Segments, labels: Int32Array, nClasses: number, bands: number): { uar: number; loss: number } {
  const p = segmentPosteriors(network, segments, bands, nClasses);
  let loss = 0;
  for (let s = 0; s < segments.count; s++) loss -= Math.log(Math.max(p[s * nClasses + (segments.y[s] as number)] as number, 1e-12));
  const predicted = argmaxRows(utterancePosteriors(p, segments.first, nClasses), labels.length, nClasses);
  return { uar: metricsFromConfusion(confusionMatrix(labels, predicted, nClasses)).uar, loss: loss / segments.count };
}

function batchTensors(segments: Segments, batch: readonly number[], segmentFrames: number, bands: number, channels: number, nClasses: number): [tf.Tensor4D, tf.Tensor2D] {
  const per = segmentFrames * bands * channels;
  const x = new Float32Array(batch.length * per);
  const y = new Float32Array(batch.length * nClasses);
  batch.forEach((s, i) => {
    x.set(segments.x.subarray(s * per, (s + 1) * per), i * per);
    y[i * nClasses + (segments.y[s] as number)] = 1;
  });
  return [tf.tensor4d(x, [batch.length, segmentFrames, bands, channels]), tf.tensor2d(y, [batch.length, nClasses])];
}

/** The caller's validation rows must be sequences of the training set's bands and classes. */
function checkedValidation(validation: LabelledSet, train: LabelledSet, bands: number): SequenceInput {
  const v = sequenceInputOf(validation, 'validation');
  const sameClasses = validation.classes.length === train.classes.length && validation.classes.every((c, i) => c === train.classes[i]);
  if (v.bands !== bands || !sameClasses || validation.y.length !== validation.rows) {
    throw new InputError({
      field: 'validation',
      reason: 'the early-stopping validation set does not fit the training set (other bands or classes)',
      expected: { bands, classes: train.classes },
      actual: { bands: v.bands, classes: validation.classes },
    });
  }
  return v;
}

/** Per class, round(fraction * n) rows go to validation (none when that would leave the class empty). */
function stratifiedHoldout(y: Int32Array, nClasses: number, fraction: number, rng: Rng): { fitRows: number[]; validationRows: number[] } {
  const fitRows: number[] = [];
  const validationRows: number[] = [];
  for (let c = 0; c < nClasses; c++) {
    const rows: number[] = [];
    y.forEach((label, i) => {
      if (label === c) rows.push(i);
    });
    rng.shuffle(rows);
    const held = rows.length >= 2 ? Math.min(rows.length - 1, Math.round(fraction * rows.length)) : 0;
    validationRows.push(...rows.slice(0, held));
    fitRows.push(...rows.slice(held));
  }
  fitRows.sort((a, b) => a - b);
  validationRows.sort((a, b) => a - b);
  return { fitRows, validationRows };
}
