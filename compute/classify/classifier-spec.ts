/**
 * Classifier specs: the config boundary of the classifiers. The schemas are the types (z.infer);
 * strict objects, so a misspelt field is an error rather than a silently used default.
 */
import { z } from 'zod';

/** Units per hidden layer at most: a typo like 8000000 is a config error naming the field, not an allocation of billions of weights. */
const MAX_HIDDEN_UNITS = 10_000;

/**
 * Linear-kernel C-SVC, libsvm's algorithm (what scikit-learn's SVC(kernel='linear') runs).
 * Defaults are scikit-learn's: C = 1, tolerance 1e-3, shrinking on.
 */
export const svmSpecSchema = z.strictObject({
  kind: z.literal('svm'),
  /** Soft-margin cost. scikit-learn's default, used by the paper. */
  C: z.number().positive().finite().default(1),
  /** Stopping tolerance of the SMO solver (libsvm -e). */
  tolerance: z.number().positive().finite().default(1e-3),
  /** Kernel cache of libsvm, in MB. Affects speed only. */
  cacheMb: z.number().positive().finite().default(200),
});
export type SvmSpec = z.infer<typeof svmSpecSchema>;

export const earlyStoppingSchema = z.strictObject({
  /** Fraction of the training set held out (stratified per class) to watch the loss. Never the test set. */
  validationFraction: z.number().gt(0).lt(0.5).default(0.1),
  /** Epochs without a better validation loss before training stops; the best weights are restored. */
  patience: z.number().int().positive().default(10),
});

/**
 * The paper's DNN: dense hidden layers with leaky ReLU, L2 on the kernels, glorot-uniform
 * (Xavier) initialisation, softmax output, Adam, mini-batches. Without `earlyStopping` it trains
 * exactly `epochs` epochs; with it, `epochs` is the maximum.
 */
export const dnnSpecSchema = z.strictObject({
  kind: z.literal('dnn'),
  /** Units per hidden layer; the paper's networks have two layers of 800. */
  hidden: z.array(z.number().int().positive().max(MAX_HIDDEN_UNITS)).min(1).default([800, 800]),
  epochs: z.number().int().positive().max(10_000).default(50),
  batchSize: z.number().int().positive().default(32),
  /** Adam learning rate. */
  lr: z.number().positive().finite().default(1e-3),
  /** L2 penalty factor on every dense kernel: loss += l2 * sum(w^2) (Keras convention, no 1/2). */
  l2: z.number().nonnegative().finite().default(1e-4),
  /** Slope of leaky ReLU for negative inputs. */
  leakyAlpha: z.number().nonnegative().lt(1).default(0.2),
  earlyStopping: earlyStoppingSchema.optional(),
});
export type DnnSpec = z.infer<typeof dnnSpecSchema>;

export const classifierSpecSchema = z.discriminatedUnion('kind', [svmSpecSchema, dnnSpecSchema]);
export type ClassifierSpec = z.infer<typeof classifierSpecSchema>;
/** What a config file may say: every field but `kind` may be left to its default. */
export type ClassifierSpecInput = z.input<typeof classifierSpecSchema>;
export type ClassifierKind = ClassifierSpec['kind'];

/** Every classifier kind, read off the union above: the config's `classifiers` list follows it. */
export const CLASSIFIER_KINDS = classifierSpecSchema.options.map((o) => o.shape.kind.value) as [ClassifierKind, ...ClassifierKind[]];

/**
 * Each classifier's options as an experiment config block (`svm: { C }`, `dnn: { hidden, ... }`):
 * its spec without `kind`, defaults filled in. A new classifier adds its schema to the union and
 * its block here; configs, cells and sweeps follow.
 */
export const classifierOptionBlocks = {
  svm: svmSpecSchema.omit({ kind: true }).prefault({}),
  dnn: dnnSpecSchema.omit({ kind: true }).prefault({}),
} satisfies Record<ClassifierKind, z.ZodType>;
