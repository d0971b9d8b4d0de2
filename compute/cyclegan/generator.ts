/**
 * The "ResNet" generators G_i: S -> T_i and F_i: T_i -> S, stacked over classes: an MLP whose
 * output is added to its input (residual path input -> output), so an untrained generator is
 * close to the identity and outputs stay in the (normalised) space of its inputs.
 */
import { tf } from '../tf';
import type { GanSpec } from './gan-spec';
import { leakyRelu } from './leaky-relu';
import type { MlpTrace } from '../nn/stacked-mlp';
import { stackedMlpBackward, stackedMlpForward, stackedMlpForwardTraced, stackedMlpShapes, stackedMlpWeightGradients, stackPositionFreeBiasGradient } from '../nn/stacked-mlp';

type CycleLoss = GanSpec['cycleLoss'];

export function generatorSizes(dim: number, hidden: number[]): number[] {
  return [dim, ...hidden, dim];
}

export function generatorShapes(stack: number, dim: number, hidden: number[]): number[][] {
  return stackedMlpShapes(stack, generatorSizes(dim, hidden));
}

/** x: [C, N, D] -> [C, N, D]. */
export function generate(params: tf.Tensor[], x: tf.Tensor, slope: number): tf.Tensor {
  return tf.add(x, stackedMlpForward(params, x, slope, leakyRelu));
}

/**
 * The two passes of a cycle step through the stacked generators [G_1..G_C, F_1..F_C], kept
 * for `cycleWeightGradients`: `fake` = [G(s); F(t)] from input [s; t], and `rec` =
 * [G(F(t)); F(G(s))] from `fake` with its halves swapped.
 */
export interface CyclePasses {
  fake: tf.Tensor;
  rec: tf.Tensor;
  pass1: MlpTrace;
  pass2: MlpTrace;
}

export function cycleForward(params: tf.Tensor[], input: tf.Tensor, slope: number): CyclePasses {
  const pass1 = stackedMlpForwardTraced(params, input, slope);
  const fake = tf.add(input, pass1.output);
  const pass2Input = swapHalves(fake);
  const pass2 = stackedMlpForwardTraced(params, pass2Input, slope);
  return { fake, rec: tf.add(pass2Input, pass2.output), pass1, pass2 };
}

/**
 * The cycle term of every stacked network and its gradient, the one place that fixes their
 * common scale (gan-spec.ts `cycleLoss` says why there are two). `rec` and `target` are
 * [2C, N, D]; `loss` is [2C], unweighted, per network: 'mean' = mean over the batch and the
 * features of (rec - target)^2; 'sum' = mean over the batch of ||rec - target||^2. `dRec` is the
 * gradient of `weight` x sum(loss) with respect to `rec`: 2 weight (rec - target) / (N D) for
 * 'mean', 2 weight (rec - target) / N for 'sum'.
 *
 * `members` > 1: the stack is a group of that many GANs (trainer.ts), and each member's loss is
 * reduced on its own tensor shaped as a lone GAN's. A reduction over N x D values per network
 * is split over threads by the size of the whole tensor: measured, sums over rows of 10,004
 * values differ in the last bit between a [30, L] tensor and the same rows in a [10, L] one.
 */
export function cycleTerm(rec: tf.Tensor, target: tf.Tensor, reduction: CycleLoss, weight: number, members = 1): { loss: tf.Tensor; dRec: tf.Tensor } {
  const [, batch, dim] = rec.shape as [number, number, number];
  const error = tf.sub(rec, target);
  if (reduction === 'mean') {
    // The ops and constants of every training before 'sum' existed: 'mean' stays bit-identical.
    return { loss: byMember(error, members, (e) => tf.square(e).mean([1, 2])), dRec: tf.mul(error, (2 * weight) / (batch * dim)) };
  }
  return { loss: byMember(error, members, (e) => tf.square(e).sum(2).mean(1)), dRec: tf.mul(error, (2 * weight) / batch) };
}

/**
 * `reduce` of each member of a group stack [2S, ...] (S = members x C networks per half, member r's
 * at rows rC.. of each half), applied to the member's own [2C, ...] stack, reassembled as [2S].
 */
function byMember(x: tf.Tensor, members: number, reduce: (own: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (members === 1) return reduce(x);
  const half = (x.shape[0] as number) / 2;
  const c = half / members;
  const own = Array.from({ length: members }, (_, r) => reduce(tf.concat([x.slice([r * c], [c]), x.slice([half + r * c], [c])], 0)));
  return tf.concat([...own.map((l) => l.slice([0], [c])), ...own.map((l) => l.slice([c], [c]))], 0);
}

/**
 * Gradients [dW1, db1, ...] of a loss whose gradient is `dFake` with respect to `fake` (through
 * terms that see the fakes only: adversarial, classification; undefined if none) and `dRec` with
 * respect to `rec` (the cycle term), backpropagated by hand through both passes.
 */
export function cycleWeightGradients(params: tf.Tensor[], passes: CyclePasses, dFake: tf.Tensor | undefined, dRec: tf.Tensor, slope: number): tf.Tensor[] {
  // rec = pass2Input + MLP(pass2Input), and pass2Input is fake with its halves swapped.
  const back2 = stackedMlpBackward(params, passes.pass2, dRec, slope, true);
  const dFromCycle = swapHalves(tf.add(dRec, back2.dInput as tf.Tensor));
  // fake = input + MLP(input); the input is data and needs no gradient.
  const back1 = stackedMlpBackward(params, passes.pass1, dFake === undefined ? dFromCycle : tf.add(dFake, dFromCycle), slope, false);
  return stackedMlpWeightGradients([passes.pass1, passes.pass2], [back1.deltas, back2.deltas], stackPositionFreeBiasGradient);
}

/** [a; b] -> [b; a] along the stacked-network axis: one gather (two slices and a concat would be three copies). */
function swapHalves(x: tf.Tensor): tf.Tensor {
  const half = (x.shape[0] as number) / 2;
  return tf.gather(x, tf.tensor1d(Array.from({ length: 2 * half }, (_, i) => (i + half) % (2 * half)), 'int32'), 0);
}
