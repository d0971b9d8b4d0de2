/**
 * Schema of a sweep config: a base experiment, a search space over any of its fields (dotted
 * paths such as `gan.lambdaCls`, `noise.sigma`, `svm.C`, `gan.loss`), and how many experiments
 * run at once.
 */
import { z } from 'zod';

const path = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'a dotted path such as "gan.lambdaCls"');
const value = z.union([z.number(), z.string(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

export const distributionSchema = z.union([
  z.strictObject({ choice: z.array(value).min(1) }),
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]) }),
  z.strictObject({ logUniform: z.tuple([z.number().positive(), z.number().positive()]) }),
  z.strictObject({ intUniform: z.tuple([z.number().int(), z.number().int()]) }),
]);

export const sweepSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, 'a name of letters, digits, _ . - (at most 48)'),
  description: z.string().optional(),
  /** The base experiment config, relative to the sweep file. */
  base: z.string().min(1),
  search: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('grid'), space: z.record(path, z.array(value).min(1)) }),
    z.strictObject({
      kind: z.literal('random'),
      trials: z.number().int().min(1),
      seed: z.number().int().min(1).default(1),
      space: z.record(path, distributionSchema),
    }),
  ]),
  /** Experiments running at the same time. */
  concurrency: z.number().int().min(1).max(64).default(2),
  /** A sweep larger than this is refused with its computed size (a typo in a grid can explode). */
  maxConfigurations: z.number().int().min(1).max(10_000).default(256),
  tracking: z.strictObject({ experiment: z.string().min(1).max(250).optional() }).default({}),
});

export type SweepConfig = z.output<typeof sweepSchema>;
export type Distribution = z.output<typeof distributionSchema>;
