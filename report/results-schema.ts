/**
 * The shape of `results.json` on an experiment's parent run (written by
 * activities/tracking-activities.ts finishExperiment), as far as a report reads it. Not strict:
 * a newer writer may add fields. Problems are reported all at once, naming the run and the field.
 */
import { z } from 'zod';
import { parseJsonDocument } from '../foundation/json-document';
import { GAN_LOSSES } from '../foundation/gan-loss';

const confusion = z.array(z.array(z.number().nonnegative()));
const repeatSummary = z.object({ mean: z.number(), std: z.number().nullable(), n: z.number().int().positive() });
const hyperparameters = z.record(z.string(), z.number());

/** What model selection inside the outer fold chose (compute/experiment-summary.ts EvaluationSelection). */
export const selectionSchema = z.object({
  metric: z.string(),
  chosen: hyperparameters,
  validationScore: z.number(),
  candidates: z.array(z.object({ values: hyperparameters, score: z.number() })),
});
export type ReportSelection = z.infer<typeof selectionSchema>;

export const reportCellSchema = z.object({
  id: z.string().min(1),
  method: z.string().min(1),
  amount: z.string().min(1),
  classifier: z.string().min(1),
  augmentation: z.object({ method: z.string().min(1), loss: z.enum(GAN_LOSSES).optional() }),
});
export type ReportCell = z.infer<typeof reportCellSchema>;

export const resultsJsonSchema = z.object({
  classes: z.array(z.string()).min(2),
  cells: z.array(reportCellSchema).min(1),
  features: z.object({
    featureKey: z.string().min(1), foldsKey: z.string().min(1), rows: z.number().int(), cols: z.number().int(), extractor: z.string(),
    /** What was done to the audio before extraction (absent for feature tables and older runs). */
    audio: z.object({ text: z.string() }).optional(),
  }),
  summaries: z.record(z.string(), z.object({ wa: repeatSummary, uar: repeatSummary, foldUar: z.record(z.string(), z.number()), confusion, evaluations: z.number().int() })),
  evaluations: z.array(z.object({
    cellId: z.string(),
    fold: z.string(),
    repeat: z.number().int(),
    wa: z.number(),
    uar: z.number(),
    confusion,
    addedPerClass: z.record(z.string(), z.number()).optional(),
    // Absent in runs without model selection, and in runs recorded before it existed.
    selection: selectionSchema.optional(),
    validationRows: z.number().int().nonnegative().optional(),
  })),
});
export type ResultsJson = z.infer<typeof resultsJsonSchema>;

export function parseResultsJson(bytes: Buffer, runId: string): ResultsJson {
  return parseJsonDocument(bytes, resultsJsonSchema, {
    file: `run ${runId} artifact results.json`,
    fix: 'the experiment was written by an incompatible serflow version, or did not finish: re-run it',
  });
}
