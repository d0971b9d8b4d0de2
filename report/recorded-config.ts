/**
 * The experiment config as recorded on its parent run (config.json, logged by openExperiment), as
 * far as a report reads it: the seed and declared comparisons (to recompute the comparisons the
 * experiment logged) and the protocol choices the report states (folds, model selection, DNN
 * validation, GAN sharing). Read loosely: fields a config version lacks are absent, unknown ones
 * are ignored, so a report reads runs of any serflow version. Problems name the run and the field.
 */
import { z } from 'zod';
import { comparisonRequestSchema } from '../compute/experiment-comparisons';
import { parseJsonDocument } from '../foundation/json-document';

export const recordedConfigSchema = z.object({
  protocol: z.object({
    seed: z.number().int(),
    repeats: z.number().int().optional(),
    folds: z.unknown().optional(),
    /** Model selection inside the outer folds (issue 14 item 1); any shape, described as written. */
    selection: z.unknown().optional(),
    /** A sweep's held-out speakers, removed before the folds were built. */
    excludeSpeakers: z.array(z.string()).optional(),
  }),
  classifiers: z.array(z.string()).optional(),
  comparisons: z.array(comparisonRequestSchema).optional(),
  gan: z.object({ shareAcrossRepeats: z.boolean().optional() }).optional(),
  // unknown: `epochs` may be a set to select from (`{ select: [...] }`).
  dnn: z.object({ epochs: z.unknown().optional(), earlyStopping: z.unknown().optional() }).optional(),
});
export type RecordedConfig = z.infer<typeof recordedConfigSchema>;

export function parseRecordedConfig(bytes: Buffer, runId: string): RecordedConfig {
  return parseJsonDocument(bytes, recordedConfigSchema, {
    file: `run ${runId} artifact config.json`,
    fix: 'the experiment was recorded by an incompatible serflow version: re-run it',
  });
}
