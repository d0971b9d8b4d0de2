/**
 * The experiment config as recorded on its parent run (config.json, logged by openExperiment), as
 * far as a report reads it: the seed and declared comparisons (to recompute the comparisons the
 * experiment logged) and the protocol choices the report states (folds, model selection, DNN
 * validation, GAN sharing). Read loosely: fields a config version lacks are absent, unknown ones
 * are ignored, so a report reads runs of any serflow version. Problems name the run and the field.
 */
import { z } from 'zod';
import { comparisonRequestSchema } from '../compute/experiment-comparisons';
import { InputError } from '../foundation/errors';
import { describeZodError } from '../foundation/zod-issues';

export const recordedConfigSchema = z.object({
  protocol: z.object({
    seed: z.number().int(),
    repeats: z.number().int().optional(),
    folds: z.unknown().optional(),
    /** Model selection inside the outer folds (issue 14 item 1); any shape, described as written. */
    selection: z.unknown().optional(),
  }),
  classifiers: z.array(z.string()).optional(),
  comparisons: z.array(comparisonRequestSchema).optional(),
  gan: z.object({ shareAcrossRepeats: z.boolean().optional() }).optional(),
  // unknown: `epochs` may be a set to select from (`{ select: [...] }`).
  dnn: z.object({ epochs: z.unknown().optional(), earlyStopping: z.unknown().optional() }).optional(),
});
export type RecordedConfig = z.infer<typeof recordedConfigSchema>;

export function parseRecordedConfig(bytes: Buffer, runId: string): RecordedConfig {
  const where = `run ${runId} artifact config.json`;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InputError({ file: where, reason: 'is not JSON', fix: 're-run the experiment so that its config is recorded again' });
  }
  const parsed = recordedConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError({ file: where, reason: describeZodError(parsed.error, { root: '(root)' }), fix: 'the experiment was recorded by an incompatible serflow version: re-run it' });
  }
  return parsed.data;
}
