/**
 * The configuration of the per-class cycle-GAN augmenter: the single source of its types.
 * Strict (a typo fails), every field has a default, every problem is reported at once with its path.
 *
 * Vocabulary used in the docs below:
 * - an *iteration* is one discriminator update (D^T and D^S of every class) preceded by
 *   `generatorStepsPerDiscriminatorStep` generator updates (G and F of every class, jointly),
 *   each on a fresh mini-batch; the discriminator update uses the last generator step's batch
 *   and its (detached) fakes, as the CycleGAN reference implementation does;
 * - an *epoch* is ceil(max(|S|, max_i |T_i|) / batch) iterations: one pass over the largest
 *   domain, the usual unaligned-CycleGAN convention. Pretraining epochs have the same number of
 *   reconstruction steps.
 */
import { z } from 'zod';
import { GAN_LOSSES } from '../../foundation/gan-loss';
import type { DiscriminatorLayout } from './discriminator';

const positiveInt = z.number().int().positive();
// A bound on units per layer so that a typo (or a hostile config) is a config error naming the
// field, not an allocation of billions of weights on a worker. The paper uses 800.
export const MAX_LAYER_UNITS = 10_000;
const layerSizes = z.array(positiveInt.max(MAX_LAYER_UNITS)).min(1);

/**
 * The auxiliary emotion classifier C of the classification loss (auxiliary-classifier.ts). Not
 * the classifier an experiment evaluates (compute/classify/classifier-spec.ts): hence the name.
 */
export const auxiliaryClassifierSpecSchema = z.strictObject({
  /** Hidden layer sizes of the auxiliary emotion classifier C. */
  hidden: layerSizes.default([256]),
  /** Epochs over the real training fold; C is frozen afterwards. */
  epochs: positiveInt.default(40),
  batchSize: positiveInt.default(64),
  lr: z.number().positive().default(1e-3),
});

export const ganSpecSchema = z.strictObject({
  /** Adversarial loss: cross-entropy GAN ('ce') or Wasserstein divergence ('wdiv', Wu et al. 2018). */
  loss: z.enum(GAN_LOSSES).default('wdiv'),
  /** Hidden layer sizes of the generators G_i and F_i (the paper: two layers of 800). */
  hidden: layerSizes.default([800, 800]),
  /** Negative slope of every leaky ReLU. */
  leakySlope: z.number().min(0).max(1).default(0.2),
  /**
   * 'patch': a shared MLP scores each contiguous slice of `patchSize` features (the last slice
   * zero-padded) and the scores are averaged, the vector analogue of a PatchGAN (a 1-D conv with
   * kernel = stride = patchSize). 'mlp': one MLP over the whole vector.
   */
  discriminator: z.enum(['patch', 'mlp']).default('patch'),
  /**
   * Hidden sizes of the discriminators. Default: `hidden` for 'mlp' (the paper's 800 x 800);
   * [128, 128] for 'patch', our choice: the slice MLP runs on every slice of every sample, so its
   * activations outnumber the generators' several times over and dominate the element-wise cost.
   */
  discriminatorHidden: layerSizes.optional(),
  patchSize: positiveInt.default(128),
  /** Adversarial epochs (after pretraining). */
  epochs: positiveInt.default(200),
  /** Reconstruction-only epochs of G_i and F_i before adversarial training (may be 0). */
  pretrainEpochs: z.number().int().min(0).default(10),
  /** Mini-batch size per class; lowered (with a warning) to the smallest domain size if needed. */
  batchSize: positiveInt.default(64),
  lr: z.number().positive().default(2e-4),
  /** The learning rate is multiplied by this factor every `lrDecayEvery` adversarial epochs. */
  lrDecay: z.number().positive().max(1).default(0.5),
  lrDecayEvery: positiveInt.default(50),
  adamBeta1: z.number().min(0).lt(1).default(0.5),
  adamBeta2: z.number().min(0).lt(1).default(0.999),
  adamEpsilon: z.number().positive().default(1e-8),
  /** Weight of the cycle loss (see `cycleLoss`); the paper found training unstable above 1.0. */
  lambdaCyc: z.number().min(0).default(1.0),
  /**
   * How the cycle loss ||F(G(s)) - s||^2 + ||G(F(t)) - t||^2 of a batch is reduced over the
   * feature dimensions. 'mean': the mean squared error, a mean over the batch and the D features
   * (each direction); the cycle term then weighs the same per feature whatever D is, so against
   * the adversarial and classification terms (which do not grow with D) lambdaCyc means less
   * the more features there are. 'sum': the squared norm, summed over the features and averaged
   * over the batch, the paper's E ||.||^2: D times the 'mean' term and its gradient, so
   * lambdaCyc = 1 with 'sum' is lambdaCyc = D with 'mean'. Default 'mean', what every run before
   * this field used: a spec without it, or with 'mean', trains bit-identically to those runs and
   * keeps their memo entries and checkpoints (`canonicalGanSpec`).
   */
  cycleLoss: z.enum(['mean', 'sum']).default('mean'),
  /** Weight of the auxiliary classifier's cross-entropy on G_i(s) towards class i. */
  lambdaCls: z.number().min(0).default(1.0),
  /** Real-sample target of the CE discriminator (one-sided label smoothing). */
  realLabel: z.number().gt(0).max(1).default(0.9),
  wdivK: z.number().min(0).default(2),
  wdivP: z.number().min(1).default(6),
  /**
   * Where the WGAN-div penalty's gradient is taken: 'real-and-fake' = at the real and at the
   * synthetic samples, averaged (Wu et al.'s code, PyTorch-GAN wgan_div); 'interpolate' = at
   * u = a*real + (1-a)*fake, a ~ U[0, 1] per sample.
   */
  wdivSampling: z.enum(['real-and-fake', 'interpolate']).default('real-and-fake'),
  /** A checkpoint is handed to `onCheckpoint` every this many epochs (counting pretraining) and at the end. */
  checkpointEvery: positiveInt.default(10),
  generatorStepsPerDiscriminatorStep: positiveInt.default(2),
  classifier: auxiliaryClassifierSpecSchema.default(auxiliaryClassifierSpecSchema.parse({})),
  /**
   * An experiment's repeats and their GANs. false (default): one GAN training per (fold, loss,
   * repeat), seeded with the repeat, and repeat r's cycle-GAN evaluations use repeat r's GANs, so
   * the spread over repeats includes the GAN training's own variance (the largest); costs
   * `protocol.repeats` times the GAN training. true: one GAN training per (fold, loss) shared by
   * every repeat, as every run before this field did (same seeds, same memo entries): cheaper,
   * but the repeats then vary only the augmentation's draws and the classifier. A fold
   * orchestration setting, not a training one: a training never sees it (`canonicalGanSpec`).
   */
  shareAcrossRepeats: z.boolean().default(false),
});

export type GanSpec = z.infer<typeof ganSpecSchema>;
export type GanSpecInput = z.input<typeof ganSpecSchema>;
export type AuxiliaryClassifierSpec = z.infer<typeof auxiliaryClassifierSpecSchema>;

/** Parses and fills defaults; throws the zod error (all problems, with paths) on bad input. */
export function parseGanSpec(input: unknown): GanSpec {
  return ganSpecSchema.parse(input);
}

/**
 * The spec as a training is identified by it (the GAN activity's memo key, and so its MLflow run
 * key and checkpoint slots) and as checkpoints record it: without `shareAcrossRepeats` (it decides
 * how many trainings a fold runs, not what one computes; a per-repeat training has the repeat in
 * its input instead), and without `cycleLoss` when it is 'mean', the value that computes what
 * every training did before the field existed. So a field added with its old behaviour as the
 * default changes no memo key and no checkpoint byte of the trainings that do not use it. Works
 * on a parsed spec and on raw input alike.
 */
export function canonicalGanSpec(spec: GanSpecInput): GanSpecInput {
  const { shareAcrossRepeats: _sharing, cycleLoss, ...rest } = spec;
  return cycleLoss === undefined || cycleLoss === 'mean' ? rest : { ...rest, cycleLoss };
}

export function discriminatorHiddenOf(spec: GanSpec): number[] {
  return spec.discriminatorHidden ?? (spec.discriminator === 'patch' ? [128, 128] : spec.hidden);
}

/** The discriminators' layout for vectors of `dim` features: the trainer and its checkpoint codec agree through it. */
export function discriminatorLayoutOf(spec: GanSpec, dim: number): DiscriminatorLayout {
  return { kind: spec.discriminator, dim, hidden: discriminatorHiddenOf(spec), patchSize: spec.patchSize };
}

/**
 * The version of what a GAN training computes for the same inputs (its memo entries' version):
 * bump it when a change alters the trained bytes.
 * 3: hand-written generator backward pass (same loss, other float summation order).
 * 4: the generator step scores fakes with tf.leakyRelu (rounding-level differences).
 * 5: oneDNN matmuls (compute/tensorflow-kernels.ts) and the critic step's hand-written
 *    gradients (critic-gradients.ts): rounding-level differences.
 * 6: the generators' bias gradients are a product with ones, not a Sum (stacked-mlp.ts
 *    stackPositionFreeBiasGradient), so that a GAN trained in a group ends where it ends alone.
 * 7: softplus and pow on their vector paths (compute/nn/vector-path.ts), so that groups also keep
 *    their members' bytes at batches whose tensors end off a packet (Table 1's 52-59): rounding-level.
 * 8: the generator step's adversarial and classification gradients and the cross-entropy
 *    discriminator's gradients are backpropagated by hand (discriminator.ts
 *    discriminatorInputGradient, critic-gradients.ts ceCriticGradients), not by autodiff:
 *    rounding-level differences.
 */
export const GAN_MEMO_VERSION = 8;
