/**
 * The paper's DNN classifier on tfjs-node: dense hidden layers (2 x 800 by default) with leaky
 * ReLU, L2 on every kernel, glorot-uniform (Xavier) initialisation, softmax output, Adam,
 * categorical cross-entropy, mini-batches.
 *
 * Why not tf.layers: model.trainOnBatch cost about 20 ms per mini-batch of 32 on this kind of
 * machine for about 1.4 ms of matmuls (its per-call bookkeeping, tfjs's dozen-kernel Adam, a
 * loss read-back per batch). Here a step is the shared stacked-MLP forward pass and hand-written
 * backward pass (compute/nn/stacked-mlp.ts), TensorFlow's fused Adam on resource variables
 * (compute/nn/fused-adam.ts), and no read-back: the loss is summed on the backend and checked
 * once per epoch. `test/unit/compute/classify/dnn.test.ts` checks the gradients against autodiff.
 *
 * Determinism: every random draw comes from `Rng(seed)` (initial weights, the early-stopping
 * hold-out, the batch order). The same set and seed give the same weights on one machine.
 *
 * Early stopping (optional) watches the cross-entropy of validation rows after every epoch,
 * stops after `patience` epochs without improvement and restores the best weights. The
 * validation rows are the caller's (`fit(train, seed, { validation })`: evaluations hand in real
 * rows of whole speakers taken before augmentation, so that synthetic rows and copies of
 * training rows never decide when training stops); without them, for direct library use, a
 * stratified part of `train` is held out. The test set is never seen during fit.
 *
 * Tensor discipline: fit() leaves exactly the model's weights alive; dispose() frees them, so
 * tf.memory().numTensors is the same before fit and after dispose.
 */
import { InputError, NumericalError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { FusedAdam } from '../nn/fused-adam';
import { ResourceVariable } from '../nn/resource-variable';
import { glorotStackedMlp, stackedMlpBackward, stackedMlpForward, stackedMlpForwardTraced, stackedMlpShapes, stackedMlpWeightGradients } from '../nn/stacked-mlp';
import { Rng } from '../random';
import { tf } from '../tf';
import type { Classifier, FitOptions, TrainedModel } from './classifier';
import { dnnSpecSchema } from './classifier-spec';
import type { DnnSpec } from './classifier-spec';

type DnnSpecOptions = Partial<Omit<DnnSpec, 'kind'>>;

export interface DnnModel extends TrainedModel {
  /** Copies of the weights (kernels and biases, layer order), for tests and inspection. */
  weights(): Float32Array[];
  /** Epochs actually trained (less than spec.epochs when early stopping stopped it). */
  readonly epochsTrained: number;
  /** Epoch (1-based) whose weights were kept when early stopping was on. */
  readonly bestEpoch: number | null;
}

const PREDICT_CHUNK = 1024;

export class DnnClassifier implements Classifier {
  readonly spec: DnnSpec;

  constructor(spec: DnnSpecOptions = {}) {
    this.spec = dnnSpecSchema.parse({ ...spec, kind: 'dnn' });
  }

  async fit(train: LabelledSet, seed: number, options: FitOptions = {}): Promise<DnnModel> {
    const spec = this.spec;
    const rng = new Rng(seed);
    const nClasses = train.classes.length;
    const { cols } = train;
    const given = spec.earlyStopping ? options.validation : undefined;
    if (given) checkValidationSet(given, train);

    const allRows = Array.from({ length: train.rows }, (_, i) => i);
    // With the caller's validation rows every training row is fitted; without them (direct
    // library use) a stratified part of `train` is held out, drawn first from the seed.
    const { fitRows, validation } = !spec.earlyStopping ? { fitRows: allRows, validation: undefined }
      : given ? { fitRows: allRows, validation: { set: given, rows: Array.from({ length: given.rows }, (_, i) => i) } }
      : heldOutOf(train, stratifiedHoldout(train.y, nClasses, spec.earlyStopping.validationFraction, rng));

    const sizes = [cols, ...spec.hidden, nClasses];
    const shapes = stackedMlpShapes(1, sizes);
    const params = glorotStackedMlp(sizes, [rng]).map((values, i) => new ResourceVariable(`dnn.${i}`, shapes[i] as number[], values));
    const destroyParams = (): void => params.forEach((p) => p.destroy());
    // tf.train.adam's defaults, epsilon as tfjs's backend epsilon.
    const adam = new FusedAdam('dnn.adam', params, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });

    let best: tf.Tensor[] | null = null;
    let bestLoss = Infinity;
    let bestEpoch: number | null = null;
    let epochsTrained = 0;
    try {
      for (let epoch = 1; epoch <= spec.epochs; epoch++) {
        const order = rng.shuffle([...fitRows]);
        let lossSum = tf.scalar(0);
        for (let start = 0; start < order.length; start += spec.batchSize) {
          const [xs, ys] = batchTensors(train, order.slice(start, start + spec.batchSize), nClasses);
          const batchLoss = trainStep(params, adam, xs, ys, spec);
          const next = tf.add(lossSum, batchLoss) as tf.Scalar;
          tf.dispose([xs, ys, lossSum, batchLoss]);
          lossSum = next;
          // Lets heartbeats and cancellation through between steps.
          await new Promise(setImmediate);
        }
        const total = lossSum.dataSync()[0] as number;
        lossSum.dispose();
        if (!Number.isFinite(total)) {
          throw new NumericalError(`DNN training loss is ${total} in epoch ${epoch}`, { epoch, lr: spec.lr });
        }
        epochsTrained = epoch;
        if (spec.earlyStopping && validation && validation.rows.length > 0) {
          const loss = validationLoss(params, validation.set, validation.rows, nClasses, spec.leakyAlpha);
          if (loss < bestLoss) {
            bestLoss = loss;
            bestEpoch = epoch;
            best?.forEach((t) => t.dispose());
            // A read aliases the variable; TensorFlow copies the buffer before the next in-place update.
            best = params.map((p) => p.read());
          } else if (epoch - (bestEpoch ?? 0) >= spec.earlyStopping.patience) {
            break;
          }
        }
      }
      const kept = best;
      if (kept) params.forEach((p, i) => p.assign(kept[i] as tf.Tensor));
    } catch (err) {
      destroyParams();
      throw err;
    } finally {
      best?.forEach((t) => t.dispose());
      adam.destroy();
    }

    let disposed = false;
    return {
      epochsTrained,
      bestEpoch,
      predict(xs: Float32Array, rows: number): Int32Array {
        if (disposed) throw new Error('DNN model used after dispose()');
        if (xs.length !== rows * cols) throw new RangeError(`predict: expected ${rows * cols} values (${rows} x ${cols}), got ${xs.length}`);
        const out = new Int32Array(rows);
        for (let start = 0; start < rows; start += PREDICT_CHUNK) {
          const n = Math.min(PREDICT_CHUNK, rows - start);
          const chunk = tf.tidy(() => logits(params.map((p) => p.read()), tf.tensor2d(xs.subarray(start * cols, (start + n) * cols), [n, cols]), spec.leakyAlpha).argMax(-1).dataSync());
          out.set(chunk, start);
        }
        return out;
      },
      weights(): Float32Array[] {
        return params.map((p) => p.values());
      },
      dispose(): void {
        if (!disposed) destroyParams();
        disposed = true;
      },
    };
  }
}

/** [n, cols] -> [n, classes] logits. */
function logits(params: tf.Tensor[], x: tf.Tensor2D, alpha: number): tf.Tensor2D {
  const [n, cols] = x.shape;
  const out = stackedMlpForward(params, x.reshape([1, n, cols]), alpha, (h, slope) => tf.leakyRelu(h, slope));
  return out.reshape([n, out.shape[2] as number]);
}

/**
 * The batch loss (mean cross-entropy plus l2 * sum(W^2) over the kernels) and its gradients
 * [dW1, db1, ...], by the hand-written backward pass. Exported for the gradient test.
 */
export function dnnLossAndGradients(params: tf.Tensor[], xs: tf.Tensor2D, ys: tf.Tensor2D, l2: number, alpha: number): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const [n, cols] = xs.shape;
  const trace = stackedMlpForwardTraced(params, xs.reshape([1, n, cols]), alpha);
  const z = trace.output;
  const y = ys.reshape(z.shape);
  const logProb = tf.logSoftmax(z);
  let loss = tf.div(tf.neg(tf.sum(tf.mul(y, logProb))), n) as tf.Scalar;
  // d(mean cross-entropy)/dz = (softmax(z) - y) / n.
  const dz = tf.div(tf.sub(tf.exp(logProb), y), n);
  const back = stackedMlpBackward(params, trace, dz, alpha, false);
  const grads = stackedMlpWeightGradients([trace], [back.deltas]).map((g, i) => {
    if (i % 2 === 1 || l2 === 0) return g;
    const w = params[i] as tf.Tensor;
    loss = tf.add(loss, tf.mul(tf.sum(tf.square(w)), l2)) as tf.Scalar;
    return tf.add(g, tf.mul(w, 2 * l2));
  });
  return { loss, grads };
}

/** One Adam step; returns the batch loss (a scalar on the backend, not read back). */
function trainStep(params: ResourceVariable[], adam: FusedAdam, xs: tf.Tensor2D, ys: tf.Tensor2D, spec: DnnSpec): tf.Scalar {
  return tf.tidy(() => {
    const values = params.map((p) => p.read());
    const { loss, grads } = dnnLossAndGradients(values, xs, ys, spec.l2, spec.leakyAlpha);
    // Release the aliasing reads so the fused update runs in place.
    tf.dispose(values);
    adam.apply(grads, spec.lr);
    return loss;
  });
}

function batchTensors(set: LabelledSet, rows: readonly number[], nClasses: number): [tf.Tensor2D, tf.Tensor2D] {
  const { cols } = set;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length * nClasses);
  rows.forEach((r, i) => {
    x.set(set.x.subarray(r * cols, (r + 1) * cols), i * cols);
    y[i * nClasses + (set.y[r] as number)] = 1;
  });
  return [tf.tensor2d(x, [rows.length, cols]), tf.tensor2d(y, [rows.length, nClasses])];
}

function validationLoss(params: ResourceVariable[], set: LabelledSet, rows: readonly number[], nClasses: number, alpha: number): number {
  return tf.tidy(() => {
    const [xs, ys] = batchTensors(set, rows, nClasses);
    const logProb = tf.logSoftmax(logits(params.map((p) => p.read()), xs, alpha));
    return tf.neg(tf.sum(tf.mul(ys, logProb), -1)).mean().dataSync()[0] as number;
  });
}

function heldOutOf(train: LabelledSet, holdout: { fitRows: number[]; validationRows: number[] }): { fitRows: number[]; validation: { set: LabelledSet; rows: number[] } } {
  return { fitRows: holdout.fitRows, validation: { set: train, rows: holdout.validationRows } };
}

/** The caller's validation rows must be rows of the training set's kind: same dimension and classes. */
function checkValidationSet(validation: LabelledSet, train: LabelledSet): void {
  const sameClasses = validation.classes.length === train.classes.length && validation.classes.every((c, i) => c === train.classes[i]);
  if (validation.cols !== train.cols || !sameClasses || validation.x.length !== validation.rows * validation.cols || validation.y.length !== validation.rows) {
    throw new InputError({
      field: 'validation',
      reason: 'the early-stopping validation set does not fit the training set (another feature dimension, other classes or a wrong shape)',
      expected: { cols: train.cols, classes: train.classes },
      actual: { cols: validation.cols, classes: validation.classes, rows: validation.rows, values: validation.x.length },
    });
  }
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
  return { fitRows, validationRows };
}
