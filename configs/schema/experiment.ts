/**
 * Schema of an experiment config (configs/*.yaml): the single source of its types. An
 * experiment = corpus + features + protocol + augmentation methods x amounts x classifiers.
 * Method and classifier parameters live in their own blocks (`noise`, `smote`, `gan`, `svm`,
 * `dnn`) so that a sweep can address any of them by a dotted path such as `gan.lambdaCls`.
 */
import { z } from 'zod';
import { amountSpecSchema } from '../../compute/augment/amount';
import { AUGMENTATION_METHODS, augmentationOptionBlocks } from '../../compute/augment/augmentation-spec';
import { CLASSIFIER_KINDS, classifierOptionBlocks } from '../../compute/classify/classifier-spec';
import { ganSpecSchema } from '../../compute/cyclegan/gan-spec';
import { foldsSpecSchema } from '../../compute/folds/build-folds';
import { GAN_LOSSES, type GanLoss } from '../../foundation/gan-loss';
import { methodDisplayName } from '../method-display-name';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a name of letters, digits, _ . - (at most 64)');

export const corpusSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('emodb'),
    /** The EMO-DB `wav/` folder; relative paths are relative to the config file. */
    path: z.string().min(1),
    /** The emotions to keep; the paper's five by default (408 utterances). */
    emotions: z.array(z.enum(['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral'])).min(2)
      .default(['anger', 'fear', 'happiness', 'sadness', 'neutral']),
  }),
  z.strictObject({
    kind: z.literal('manifest'),
    /** A CSV with columns path,label,speaker[,split]; audio paths relative to it. */
    path: z.string().min(1),
    /** Labels to keep; all when absent. */
    labels: z.array(z.string().min(1)).min(2).optional(),
  }),
]);

export const featuresSchema = z.discriminatedUnion('extractor', [
  z.strictObject({
    extractor: z.literal('opensmile'),
    /** A standard set (ComParE_2016, eGeMAPSv02, emobase) or a path to a .conf file. */
    set: z.string().min(1),
    /** 'fail' stops at the first bad audio file; 'skip' leaves it out and reports it. */
    onError: z.enum(['fail', 'skip']).default('fail'),
  }),
  z.strictObject({
    extractor: z.literal('table'),
    /** An openSMILE CSV or ARFF table of precomputed features (needs label and speaker columns). */
    path: z.string().min(1),
  }),
]);

export const protocolSchema = z.strictObject({
  folds: foldsSpecSchema.default({ kind: 'loso' }),
  /** Each (method, amount, classifier) cell is run this many times with different seeds. */
  repeats: z.number().int().min(1).max(100).default(3),
  /** Base seed; every random draw derives its own seed from it (never 0). */
  seed: z.number().int().min(1).max(0xffffffff).default(1),
  /** Evaluate only the first N folds (small budgets); all folds when absent. */
  maxFolds: z.number().int().min(1).optional(),
});

const methodKind = z.enum(AUGMENTATION_METHODS);
export const methodSchema = z.union([
  methodKind.transform((method) => ({ method, name: method as string, loss: undefined as GanLoss | undefined })),
  z.strictObject({
    method: methodKind,
    /** Display name, unique in the experiment (default: the method, plus the loss for cycle-GANs). */
    name: name.optional(),
    /** cyclegan only: the adversarial loss; default `gan.loss`. */
    loss: z.enum(GAN_LOSSES).optional(),
  }).transform((m) => ({ method: m.method, name: m.name ?? m.method, loss: m.loss })),
]);
export type Method = z.output<typeof methodSchema>;

/** An amount: a ratio of the training set (a bare number), 'balance', or an AmountSpec object. */
export const amountSchema = z.union([
  z.number().nonnegative().max(100).transform((ratio) => ({ mode: 'ratio' as const, ratio })),
  z.literal('balance').transform(() => ({ mode: 'balance' as const })),
  amountSpecSchema,
]);

export const experimentSchema = z.strictObject({
  name,
  description: z.string().optional(),
  corpus: corpusSchema,
  features: featuresSchema,
  protocol: protocolSchema.default(protocolSchema.parse({})),
  methods: z.array(methodSchema).min(1),
  /** Amount schedule applied to every method but 'none'. */
  amounts: z.array(amountSchema).min(1).default([{ mode: 'balance' }]),
  classifiers: z.array(z.enum(CLASSIFIER_KINDS)).min(1),
  /** The methods' parameters (`noise`, `smote`), one block each, from compute/augment. */
  ...augmentationOptionBlocks,
  gan: ganSpecSchema.prefault({}),
  /** The classifiers' options (`svm`, `dnn`), one block each, from compute/classify. */
  ...classifierOptionBlocks,
  tracking: z.strictObject({
    /** MLflow experiment the runs go to (default: serflow-<name>). */
    experiment: z.string().min(1).max(250).optional(),
  }).default({}),
}).superRefine((config, ctx) => {
  const names = new Set<string>();
  config.methods.forEach((m, i) => {
    const display = methodDisplayName(m, config.gan.loss);
    if (names.has(display)) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `method name "${display}" is used twice: give one a distinct name` });
    names.add(display);
    if (m.loss && m.method !== 'cyclegan') ctx.addIssue({ code: 'custom', path: ['methods', i, 'loss'], message: 'loss applies to cyclegan only' });
  });
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type ExperimentConfigInput = z.input<typeof experimentSchema>;
