/**
 * Schema of a sweep config: a base experiment, a search space over any of its fields (dotted
 * paths such as `gan.lambdaCls`, `noise.sigma`, `svm.C`, `gan.loss`), and how many experiments
 * run at once. A grid or a random sample is expanded up front; an `optuna` search asks Optuna's
 * sampler for each trial as earlier ones finish, scores it by the inner-CV validation score of
 * the `objective` cell (never the test speakers) and may prune it after any outer fold.
 *
 * `search.holdout` (every kind) names speakers no trial sees: they are removed from every
 * trial's corpus (protocol.excludeSpeakers), and after the last trial the best configuration by
 * validation is trained on every other speaker and tested on them once (workflows/sweep-holdout.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { OPTUNA_PRUNERS, OPTUNA_SAMPLERS, OPTUNA_SAMPLERS_WITH_STARTUP_TRIALS } from '../../foundation/optuna-kinds';

const path = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'a dotted path such as "gan.lambdaCls"');
const value = z.union([z.number(), z.string(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/**
 * A conditional parameter's condition: it is drawn only when each named parameter (a `choice`
 * listed before it in the space) took one of the listed values; otherwise the base config's
 * value stays. E.g. `gan.patchSize: { intUniform: [16, 128], when: { gan.discriminator: [patch] } }`.
 */
const when = z.record(path, z.array(value).min(1)).optional();

export const distributionSchema = z.union([
  z.strictObject({ choice: z.array(value).min(1), when }),
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]), when }),
  z.strictObject({ logUniform: z.tuple([z.number().positive(), z.number().positive()]), when }),
  z.strictObject({ intUniform: z.tuple([z.number().int(), z.number().int()]), when }),
]);

/** Whether `value` is one of `values`, compared by content (YAML numbers, strings, lists, maps). */
export function isOneOf(values: readonly unknown[], value: unknown): boolean {
  return values.some((v) => isDeepStrictEqual(v, value));
}

/** Whether a conditional parameter is drawn at `point` (the parameters drawn before it): each parameter it names took a listed value. */
export function conditionHolds(when: Record<string, unknown[]> | undefined, point: Record<string, unknown>): boolean {
  return Object.entries(when ?? {}).every(([on, values]) => on in point && isOneOf(values, point[on]));
}

/** Each condition names a `choice` parameter listed before it, by values among its choices. */
function checkConditions(space: Record<string, z.output<typeof distributionSchema>>, ctx: z.RefinementCtx): void {
  const paths = Object.keys(space);
  paths.forEach((target, index) => {
    for (const [on, values] of Object.entries(space[target]?.when ?? {})) {
      const where = ['search', 'space', target, 'when', on];
      const condition = space[on];
      if (!condition || paths.indexOf(on) >= index || !('choice' in condition)) {
        ctx.addIssue({ code: 'custom', path: where, message: `names "${on}", which must be a \`choice\` parameter listed before "${target}" in the space` });
        continue;
      }
      const unknown = values.filter((v) => !isOneOf(condition.choice, v));
      if (unknown.length) ctx.addIssue({ code: 'custom', path: where, message: `${JSON.stringify(unknown)} not among the choices of "${on}" (${JSON.stringify(condition.choice)})` });
    }
  });
}

const prunerKind = z.enum(OPTUNA_PRUNERS);
/** A pruner by name, or with Optuna's options (median: startupTrials default 5, warmupSteps default 0). */
const prunerSchema = z.union([
  prunerKind.transform((kind) => ({ kind })),
  z.strictObject({ kind: prunerKind, startupTrials: z.number().int().min(0).optional(), warmupSteps: z.number().int().min(0).optional() }),
]);

/**
 * What a trial is scored by, on the experiment the trial runs: `uar`, the mean over outer folds
 * and repeats of the cell's inner-CV validation UAR (maximised), or `ganEpochs`, the GAN epochs
 * the trial trained (minimised; a cost for a second objective).
 */
export const objectiveSchema = z.strictObject({
  /** A cell id of the base experiment, e.g. "cyclegan-wdiv/ratio-1/svm". */
  cell: z.string().min(1),
  metric: z.enum(['uar', 'ganEpochs']).default('uar'),
});

const samplerKind = z.enum(OPTUNA_SAMPLERS);
/**
 * A sampler by name, or with the trials it draws at random before it models the ones told
 * (Optuna's n_startup_trials: tpe 10, gp 10, cmaes 1 by default; a small budget wants fewer).
 */
const samplerSchema = z.union([
  samplerKind.transform((kind): { kind: typeof kind; startupTrials?: number } => ({ kind })),
  z.strictObject({ kind: samplerKind, startupTrials: z.number().int().min(0).optional() }),
]);

/**
 * Speakers no trial of the sweep ever sees (not as outer test, inner validation, GAN data or
 * anything else): by name, or a fraction of the corpus's utterances in whole speakers drawn from
 * a seed (compute/folds/speaker-holdout.ts; the same corpus, fraction and seed always hold out
 * the same speakers). The best configuration is tested on them once, after the last trial.
 */
export const holdoutSchema = z.union([
  z.strictObject({ speakers: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ fraction: z.number().gt(0).lt(1), seed: z.number().int().min(1).max(0xffffffff) }),
]);
const holdout = holdoutSchema.optional();

const optunaSearchSchema = z.strictObject({
  kind: z.literal('optuna'),
  sampler: samplerSchema.default({ kind: 'tpe' }),
  trials: z.number().int().min(1),
  pruner: prunerSchema.default({ kind: 'median' }),
  seed: z.number().int().min(1).max(0xffffffff).default(1),
  space: z.record(path, distributionSchema),
  holdout,
});

export const sweepSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, 'a name of letters, digits, _ . - (at most 48)'),
  description: z.string().optional(),
  /** The base experiment config, relative to the sweep file. */
  base: z.string().min(1),
  search: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('grid'), space: z.record(path, z.array(value).min(1)), holdout }),
    z.strictObject({
      kind: z.literal('random'),
      trials: z.number().int().min(1),
      seed: z.number().int().min(1).default(1),
      space: z.record(path, distributionSchema),
      holdout,
    }),
    optunaSearchSchema,
  ]),
  /**
   * Optuna: one objective, or several (Pareto front; no pruning). Grid and random: one `uar`
   * objective, the cell whose inner-CV validation score picks the best configuration (needed
   * with a holdout; without one the best is picked on test, and says so).
   */
  objective: z.union([objectiveSchema.transform((o) => [o]), z.array(objectiveSchema).min(1)]).optional(),
  /** Experiments running at the same time. */
  concurrency: z.number().int().min(1).max(64).default(2),
  /** A sweep larger than this is refused with its computed size (a typo in a grid can explode). */
  maxConfigurations: z.number().int().min(1).max(10_000).default(256),
  tracking: z.strictObject({ experiment: z.string().min(1).max(250).optional() }).default({}),
}).superRefine((sweep, ctx) => {
  if (sweep.search.kind !== 'grid') checkConditions(sweep.search.space, ctx);
  const held = sweep.search.holdout;
  if (held) {
    const corpusPaths = Object.keys(sweep.search.space).filter((p) => p === 'corpus' || p.startsWith('corpus.'));
    if (corpusPaths.length) ctx.addIssue({ code: 'custom', path: ['search', 'holdout'], message: `holds out speakers of the base corpus, and the space sweeps ${corpusPaths.join(', ')}: sweep the corpus without a holdout, or hold out without sweeping it` });
    if ('speakers' in held && new Set(held.speakers).size !== held.speakers.length) ctx.addIssue({ code: 'custom', path: ['search', 'holdout', 'speakers'], message: 'names a speaker twice' });
  }
  if (sweep.search.kind !== 'optuna') {
    if (sweep.objective && (sweep.objective.length > 1 || sweep.objective[0]?.metric !== 'uar')) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'a grid or random sweep takes one `uar` objective, the cell whose validation score picks its best configuration (several objectives: use `search: { kind: optuna }`)' });
    }
    if (held && !sweep.objective) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'a sweep with a holdout needs an objective, e.g. `objective: { cell: none/svm, metric: uar }`: its inner-CV validation score picks the configuration tested on the held-out speakers' });
    }
    return;
  }
  if (!sweep.objective) {
    ctx.addIssue({ code: 'custom', path: ['objective'], message: 'an optuna search needs an objective, e.g. `objective: { cell: none/svm, metric: uar }` (the inner-CV validation score of that cell)' });
    return;
  }
  const { sampler, pruner } = sweep.search;
  if (held && sweep.objective[0]?.metric !== 'uar') {
    ctx.addIssue({ code: 'custom', path: ['objective', 0, 'metric'], message: 'with a holdout, the first objective must be `uar`: its cell is the one tested on the held-out speakers' });
  }
  if (sweep.objective.length > 1 && pruner.kind !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['search', 'pruner'], message: 'Optuna prunes single-objective studies only: set `pruner: none` with several objectives' });
  }
  if (sampler.startupTrials !== undefined && !OPTUNA_SAMPLERS_WITH_STARTUP_TRIALS.includes(sampler.kind)) {
    ctx.addIssue({ code: 'custom', path: ['search', 'sampler', 'startupTrials'], message: `${sampler.kind} has no startup trials (${OPTUNA_SAMPLERS_WITH_STARTUP_TRIALS.join(', ')} do): remove it` });
  }
  if (sweep.objective.length > 1 && sampler.kind === 'cmaes') {
    ctx.addIssue({ code: 'custom', path: ['search', 'sampler'], message: 'cmaes optimises one objective: use nsga2 (or tpe) with several objectives' });
  }
  if (sweep.objective[0]?.metric !== 'uar' && pruner.kind !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['objective', 0, 'metric'], message: 'pruning reports the running validation score: the first objective must be `uar`, or set `pruner: none`' });
  }
});

export type SweepConfig = z.output<typeof sweepSchema>;
export type Distribution = z.output<typeof distributionSchema>;
export type OptunaSearch = z.output<typeof optunaSearchSchema>;
export type SweepObjective = z.output<typeof objectiveSchema>;
export type SweepHoldout = z.output<typeof holdoutSchema>;
