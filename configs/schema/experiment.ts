/**
 * Schema of an experiment config (configs/*.yaml): the single source of its types. An
 * experiment = corpus + features + protocol + augmentation methods x amounts x classifiers.
 * Method and classifier parameters live in their own blocks (`noise`, `smote`, `gan`, `svm`,
 * `dnn`) so that a sweep can address any of them by a dotted path such as `gan.lambdaCls`.
 */
import { z } from 'zod';
import { amountLabel, amountSpecSchema, type AmountSpec } from '../../compute/augment/amount';
import { AUGMENTATION_METHODS, augmentationOptionBlocks, shapesAugmentedBy, type AugmentationMethod } from '../../compute/augment/augmentation-spec';
import { CLASSIFIER_KINDS, CLASSIFIER_TRAITS, classifierOptionBlocks, type ClassifierKind } from '../../compute/classify/classifier-spec';
import { ganSpecSchema } from '../../compute/cyclegan/gan-spec';
import { comparisonRequestProblems } from '../../compute/experiment-comparisons';
import { featureSpecSchema, shapeOfFeatures, type ExtractorKind } from '../../compute/features/feature-spec';
import { foldsSpecSchema } from '../../compute/folds/build-folds';
import { selectionProtocolSchema } from '../../compute/select/selection-protocol';
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

/** The extractors' specs, from compute/features/feature-spec.ts. */
export const featuresSchema = featureSpecSchema;

export const protocolSchema = z.strictObject({
  folds: foldsSpecSchema.default({ kind: 'loso' }),
  /** Each (method, amount, classifier) cell is run this many times with different seeds. */
  repeats: z.number().int().min(1).max(100).default(3),
  /** Base seed; every random draw derives its own seed from it (never 0). */
  seed: z.number().int().min(1).max(0xffffffff).default(1),
  /** Evaluate only the first N folds (small budgets); all folds when absent. */
  maxFolds: z.number().int().min(1).optional(),
  /**
   * Model selection for classifier hyperparameters given as `{ select: [...] }` (e.g.
   * `svm: { C: { select: [1e-4, 1e-3, 1e-2, 1e-1, 1] } }`): inner splits over each outer fold's
   * training speakers (`loso`, or `grouped-kfold` with k), scored by `uar`. Absent: inner LOSO,
   * UAR (compute/select/selection-protocol.ts); optional so that configs without it keep their hash.
   */
  selection: selectionProtocolSchema.optional(),
  /**
   * Speakers removed from the corpus before anything else: no fold trains, validates or tests on
   * a row of theirs (compute/folds/build-folds.ts drops them before the folds are built). A
   * sweep's `search.holdout` sets it on every trial; optional, so that configs without it keep
   * their hash.
   */
  excludeSpeakers: z.array(z.string().min(1)).min(1).optional(),
});

const methodKind = z.enum(AUGMENTATION_METHODS);
/** An amount: a ratio of the training set (a bare number), 'balance', or an AmountSpec object. */
export const amountSchema = z.union([
  z.number().nonnegative().max(100).transform((ratio) => ({ mode: 'ratio' as const, ratio })),
  z.literal('balance').transform(() => ({ mode: 'balance' as const })),
  amountSpecSchema,
]);

export const methodSchema = z.union([
  methodKind.transform((method) => ({ method, name: method as string, loss: undefined as GanLoss | undefined, amounts: undefined as AmountSpec[] | undefined })),
  z.strictObject({
    method: methodKind,
    /** Display name, unique in the experiment (default: the method, plus the loss for cycle-GANs). */
    name: name.optional(),
    /** cyclegan only: the adversarial loss; default `gan.loss`. */
    loss: z.enum(GAN_LOSSES).optional(),
    /**
     * This method's amount schedule instead of the experiment's `amounts` (e.g. `[balance]` for
     * duplication, the literature's class-balancing row, while the GAN rows add 100 %).
     */
    amounts: z.array(amountSchema).min(1).optional(),
  }).transform((m) => ({ method: m.method, name: m.name ?? m.method, loss: m.loss, amounts: m.amounts })),
]);
export type Method = z.output<typeof methodSchema>;


/**
 * A pre-declared primary comparison, e.g. `{ a: cyclegan-wdiv, b: none }`: Holm's adjustment runs
 * over the declared comparisons only, and the report shows every other augmented cell against no
 * augmentation as exploratory (raw p only). `a`, `b`: method display names (a is better when the
 * difference is positive); `classifier`: one classifier (default: each of the config);
 * `amount`: one amount of `amounts`, written as there or as its label ("ratio-1"); default: each
 * amount the two methods share (a method without amounts, such as none, pairs with every amount).
 * Parsed to the amount's label, so that a recorded config parses again to itself.
 */
export const comparisonSchema = z.strictObject({
  a: z.string().min(1),
  b: z.string().min(1),
  classifier: z.enum(CLASSIFIER_KINDS).optional(),
  amount: z.union([amountSchema.transform((a) => amountLabel(a)), z.string().min(1)]).optional(),
});

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
  /** The primary comparisons, declared before the run; absent: every augmented cell vs none, and the report says they were not pre-declared. */
  comparisons: z.array(comparisonSchema).min(1).optional(),
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
  // Comparisons name methods, classifiers and amounts of this config: checked here, so a typo is a config error, not a missing row at the end of a run.
  const problems = comparisonRequestProblems(config.comparisons ?? [], {
    methods: config.methods.map((m) => methodDisplayName(m, config.gan.loss)), classifiers: config.classifiers,
    amounts: [...new Set([...config.amounts, ...config.methods.flatMap((m) => m.amounts ?? [])].map(amountLabel))],
  });
  for (const p of problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  for (const issue of shapeMismatches(config)) ctx.addIssue({ code: 'custom', ...issue });
});

/**
 * Cells whose parts take rows of different shapes (compute/features/feature-shape.ts): a vector
 * classifier on sequences, a sequence classifier on vectors, a feature-vector augmentation in a
 * cell of a sequence classifier. Each names both parts and what to change.
 */
function shapeMismatches(config: { features: { extractor: ExtractorKind }; classifiers: readonly ClassifierKind[]; methods: readonly { method: AugmentationMethod; name: string }[] }): { path: (string | number)[]; message: string }[] {
  const given = shapeOfFeatures(config.features);
  const issues: { path: (string | number)[]; message: string }[] = [];
  config.classifiers.forEach((kind, i) => {
    const takes = CLASSIFIER_TRAITS[kind].shape;
    if (takes !== given) {
      issues.push({
        path: ['classifiers', i],
        message: `classifier ${kind} takes ${takes} rows, and features.extractor ${config.features.extractor} gives ${given} rows: ` +
          `choose features that give ${takes} rows for ${kind}, or run ${kind} in a config of its own`,
      });
    }
  });
  const sequenceClassifiers = config.classifiers.filter((k) => CLASSIFIER_TRAITS[k].shape === 'sequence');
  config.methods.forEach((m, i) => {
    for (const kind of sequenceClassifiers) {
      if (!shapesAugmentedBy(m.method).includes('sequence')) {
        issues.push({
          path: ['methods', i],
          message: `method ${m.name} augments feature vectors, and classifier ${kind} takes sequences: run ${kind} with methods [none], and ${m.name} in a config of feature-vector classifiers`,
        });
      }
    }
  });
  return issues;
}

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type ExperimentConfigInput = z.input<typeof experimentSchema>;
