/**
 * The paper's DNN classifier on tfjs-node: dense hidden layers (2 x 800 by default) with leaky
 * ReLU, L2 on every kernel, glorot-uniform (Xavier) initialisation, softmax output, Adam,
 * categorical cross-entropy, mini-batches.
 *
 * Determinism: every random draw comes from `Rng(seed)`: the initialisers get seeds from it
 * (never 0, which tfjs reads as "no seed"), and batches are shuffled here rather than by fit()
 * (which would use Math.random). The same set and seed give the same weights on one machine.
 *
 * Early stopping (optional) holds out a stratified part of the TRAINING set, watches its
 * cross-entropy after every epoch, stops after `patience` epochs without improvement and restores
 * the best weights. The test set is never seen during fit.
 *
 * Tensor discipline: fit() leaves exactly the model's weights alive; dispose() frees them, so
 * tf.memory().numTensors is the same before fit and after dispose.
 */
import { NumericalError } from '../errors';
import type { LabelledSet } from '../labelled-set';
import { Rng } from '../random';
import { tf } from '../tf';
import type { Classifier, TrainedModel } from './classifier';
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

  async fit(train: LabelledSet, seed: number): Promise<DnnModel> {
    const spec = this.spec;
    const rng = new Rng(seed);
    const nClasses = train.classes.length;
    const { cols } = train;

    const allRows = Array.from({ length: train.rows }, (_, i) => i);
    const { fitRows, validationRows } = spec.earlyStopping
      ? stratifiedHoldout(train.y, nClasses, spec.earlyStopping.validationFraction, rng)
      : { fitRows: allRows, validationRows: [] as number[] };

    const model = buildNetwork(spec, cols, nClasses, rng);
    const optimizer = tf.train.adam(spec.lr);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });

    let best: tf.Tensor[] | null = null;
    let bestLoss = Infinity;
    let bestEpoch: number | null = null;
    let epochsTrained = 0;
    try {
      for (let epoch = 1; epoch <= spec.epochs; epoch++) {
        const order = rng.shuffle([...fitRows]);
        for (let start = 0; start < order.length; start += spec.batchSize) {
          const batch = order.slice(start, start + spec.batchSize);
          const [xs, ys] = batchTensors(train, batch, nClasses);
          try {
            const loss = await model.trainOnBatch(xs, ys);
            const value = Array.isArray(loss) ? (loss[0] as number) : loss;
            if (!Number.isFinite(value)) {
              throw new NumericalError(`DNN training loss is ${value} at epoch ${epoch}`, { epoch, lr: spec.lr });
            }
          } finally {
            xs.dispose();
            ys.dispose();
          }
        }
        epochsTrained = epoch;
        if (spec.earlyStopping && validationRows.length > 0) {
          const loss = validationLoss(model, train, validationRows, nClasses);
          if (loss < bestLoss) {
            bestLoss = loss;
            bestEpoch = epoch;
            best?.forEach((t) => t.dispose());
            best = model.getWeights().map((w) => w.clone());
          } else if (epoch - (bestEpoch ?? 0) >= spec.earlyStopping.patience) {
            break;
          }
        }
      }
      if (best) model.setWeights(best);
    } catch (err) {
      model.dispose();
      throw err;
    } finally {
      best?.forEach((t) => t.dispose());
      // The model does not own an optimizer instance handed to compile(): free its moments here.
      optimizer.dispose();
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
          const chunk = tf.tidy(() => {
            const input = tf.tensor2d(xs.subarray(start * cols, (start + n) * cols), [n, cols]);
            return (model.predict(input) as tf.Tensor).argMax(-1).dataSync();
          });
          out.set(chunk, start);
        }
        return out;
      },
      weights(): Float32Array[] {
        return model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => Float32Array.from(a));
      },
      dispose(): void {
        if (!disposed) model.dispose();
        disposed = true;
      },
    };
  }
}

function buildNetwork(spec: DnnSpec, cols: number, nClasses: number, rng: Rng): tf.Sequential {
  const regularizer = (): ReturnType<typeof tf.regularizers.l2> | undefined => (spec.l2 > 0 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined);
  const model = tf.sequential();
  spec.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        ...(i === 0 ? { inputShape: [cols] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
        biasInitializer: 'zeros',
        kernelRegularizer: regularizer(),
      }),
    );
    model.add(tf.layers.leakyReLU({ alpha: spec.leakyAlpha }));
  });
  model.add(
    tf.layers.dense({
      units: nClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      biasInitializer: 'zeros',
      kernelRegularizer: regularizer(),
    }),
  );
  return model;
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

function validationLoss(model: tf.Sequential, set: LabelledSet, rows: readonly number[], nClasses: number): number {
  return tf.tidy(() => {
    const [xs, ys] = batchTensors(set, rows, nClasses);
    const p = (model.predict(xs) as tf.Tensor).clipByValue(1e-7, 1);
    return -ys.mul(p.log()).sum(-1).mean().dataSync()[0]!;
  });
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
