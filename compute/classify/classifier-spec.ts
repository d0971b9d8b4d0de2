/**
 * Classifier specs: the config boundary of the classifiers. The schemas are the types (z.infer);
 * strict objects, so a misspelt field is an error rather than a silently used default.
 *
 * Two views of each spec, written once: the concrete spec a classifier is fitted with
 * (`svmSpecSchema`, `dnnSpecSchema`), and the search spec a config may give, where a numeric
 * hyperparameter may also be a set to select from, `C: { select: [1e-4, 1e-3, 1e-2] }`
 * (`svmSearchSpecSchema`, ...). The search schemas are the concrete ones with those fields
 * widened by `selectable`, so every value of a set is checked by the field's own schema.
 * compute/select picks one value per set inside each outer fold (nested, on the training
 * speakers only).
 */
import { z } from 'zod';
import type { ShapeKind } from '../features/feature-shape';
import { acrnnSearchSpecSchema, acrnnSpecSchema } from './acrnn-spec';
import { earlyStoppingSchema, isSelectSet, selectable, type EarlyStoppingSpec } from './spec-fields';

export { earlyStoppingSchema, isSelectSet, MAX_SELECT_VALUES, type EarlyStoppingSpec, type SelectSet } from './spec-fields';

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

/** The concrete specs, one value per hyperparameter: what a classifier is fitted with. */
export const classifierSpecSchema = z.discriminatedUnion('kind', [svmSpecSchema, dnnSpecSchema, acrnnSpecSchema]);
export type ClassifierSpec = z.infer<typeof classifierSpecSchema>;
export type ClassifierKind = ClassifierSpec['kind'];


/**
 * The search specs: the concrete ones with every numeric hyperparameter selectable. Solver and
 * protocol settings (tolerance, cache size, the early-stopping hold-out) stay single values:
 * they are not what a model selection chooses between.
 */
export const svmSearchSpecSchema = svmSpecSchema.extend({ C: selectable(svmSpecSchema.shape.C) });
export const dnnSearchSpecSchema = dnnSpecSchema.extend({
  epochs: selectable(dnnSpecSchema.shape.epochs),
  batchSize: selectable(dnnSpecSchema.shape.batchSize),
  lr: selectable(dnnSpecSchema.shape.lr),
  l2: selectable(dnnSpecSchema.shape.l2),
  leakyAlpha: selectable(dnnSpecSchema.shape.leakyAlpha),
});
export const classifierSearchSpecSchema = z.discriminatedUnion('kind', [svmSearchSpecSchema, dnnSearchSpecSchema, acrnnSearchSpecSchema]);
export type ClassifierSearchSpec = z.infer<typeof classifierSearchSpecSchema>;
/** What a config file (and a cell) may say: every field but `kind` may be left to its default, numeric hyperparameters may be `{ select: [...] }`. */
export type ClassifierSpecInput = z.input<typeof classifierSearchSpecSchema>;

/** Every classifier kind, read off the union above: the config's `classifiers` list follows it. */
export const CLASSIFIER_KINDS = classifierSpecSchema.options.map((o) => o.shape.kind.value) as [ClassifierKind, ...ClassifierKind[]];

/** What each classifier declares besides its spec. */
export interface ClassifierTraits {
  /**
   * The shape of the rows it takes (compute/features/feature-shape.ts): the experiment schema
   * refuses it on features of another shape before anything runs.
   */
  shape: ShapeKind;
  /**
   * Whether its fit honours FitOptions.checkpoint: an evaluation activity then keeps checkpoints
   * of the refit in the store, so that a retry on any worker continues it.
   */
  checkpoints: boolean;
}

export const CLASSIFIER_TRAITS: Readonly<Record<ClassifierKind, ClassifierTraits>> = {
  svm: { shape: 'vector', checkpoints: false },
  dnn: { shape: 'vector', checkpoints: false },
  acrnn: { shape: 'sequence', checkpoints: true },
};

/** The names of the fields of a (search) spec or config block that are sets to select from, sorted. */
export function selectedFields(spec: object): string[] {
  return Object.entries(spec).filter(([, v]) => isSelectSet(v)).map(([k]) => k).sort();
}

/**
 * The early stopping of a concrete spec, for whoever prepares its training rows (the validation
 * rows are taken before augmentation); undefined for a classifier that trains a fixed budget.
 * A new classifier that early-stops says so here.
 */
export function earlyStoppingOf(spec: ClassifierSpec): EarlyStoppingSpec | undefined {
  if (spec.kind === 'dnn') return spec.earlyStopping;
  if (spec.kind === 'acrnn') return spec.earlyStopping ?? undefined;
  return undefined;
}

/**
 * Each classifier's options as an experiment config block (`svm: { C }`, `dnn: { hidden, ... }`):
 * its search spec without `kind`, defaults filled in. A new classifier adds its schemas to the
 * unions and its block here; configs, cells and sweeps follow.
 */
export const classifierOptionBlocks = {
  svm: svmSearchSpecSchema.omit({ kind: true }).prefault({}),
  dnn: dnnSearchSpecSchema.omit({ kind: true }).prefault({}),
  acrnn: acrnnSearchSpecSchema.omit({ kind: true }).prefault({}),
} satisfies Record<ClassifierKind, z.ZodType>;
