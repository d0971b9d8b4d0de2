/**
 * Zod schemas of what serflow sends to and reads from MLflow's REST API 2.0 (checked against an
 * MLflow 3.17.2 server). Wire names (snake_case) are kept so the types read like MLflow's docs.
 * Response objects are not strict: servers add fields between versions (e.g. `workspace`).
 * Inputs that serflow builds are strict, so a typo fails at once. Schema values are named
 * `...Schema` (camelCase, as in configs/schema/), the types they infer keep MLflow's PascalCase
 * names (Run, Metric, ...).
 */
import { z } from 'zod';

/**
 * JSON has no NaN or infinities: MLflow writes them as strings, and int64 fields may arrive as
 * strings from protobuf's JSON mapping. Both are normalised to numbers here.
 */
export const wireNumberSchema = z.union([
  z.custom<number>((v) => typeof v === 'number'),
  z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => (s === 'NaN' ? Number.NaN : s === 'Infinity' ? Infinity : -Infinity)),
  z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/).transform(Number),
]);

export const int64Schema = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const keyValueSchema = z.object({ key: z.string(), value: z.string().default('') });
export type KeyValue = z.infer<typeof keyValueSchema>;

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  creation_time: int64Schema.optional(),
  last_update_time: int64Schema.optional(),
  tags: z.array(keyValueSchema).optional(),
});
export type Experiment = z.infer<typeof experimentSchema>;

export const runStatusSchema = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runInfoSchema = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  user_id: z.string().optional(),
  status: runStatusSchema,
  start_time: int64Schema.optional(),
  end_time: int64Schema.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const metricSchema = z.object({
  key: z.string(),
  value: wireNumberSchema,
  timestamp: int64Schema,
  step: int64Schema.default(0),
});
export type Metric = z.infer<typeof metricSchema>;

export const runDataSchema = z.object({
  metrics: z.array(metricSchema).default([]),
  params: z.array(keyValueSchema).default([]),
  tags: z.array(keyValueSchema).default([]),
});
export type RunData = z.infer<typeof runDataSchema>;

/** A dataset as MLflow records it (entities.proto Dataset): what the runs table's Datasets column shows. */
export const datasetSchema = z.object({
  name: z.string(),
  digest: z.string(),
  source_type: z.string().optional(),
  source: z.string().optional(),
  schema: z.string().optional(),
  profile: z.string().optional(),
});
export type Dataset = z.infer<typeof datasetSchema>;

export const runInputsSchema = z.object({
  dataset_inputs: z.array(z.object({ tags: z.array(keyValueSchema).default([]), dataset: datasetSchema })).default([]),
});

export const runSchema = z.object({
  info: runInfoSchema,
  data: runDataSchema.default({ metrics: [], params: [], tags: [] }),
  inputs: runInputsSchema.default({ dataset_inputs: [] }),
});
export type Run = z.infer<typeof runSchema>;

export const fileInfoSchema = z.object({
  path: z.string(),
  is_dir: z.boolean().default(false),
  file_size: int64Schema.optional(),
});
export type FileInfo = z.infer<typeof fileInfoSchema>;

// ---- responses

export const getExperimentResponseSchema = z.object({ experiment: experimentSchema });
export const searchExperimentsResponseSchema = z.object({
  experiments: z.array(z.object({ experiment_id: z.string() })).default([]),
  next_page_token: z.string().optional(),
});
export const createExperimentResponseSchema = z.object({ experiment_id: z.string() });
export const runResponseSchema = z.object({ run: runSchema });
export const updateRunResponseSchema = z.object({ run_info: runInfoSchema });
export const searchRunsResponseSchema = z.object({ runs: z.array(runSchema).default([]), next_page_token: z.string().optional() });
export const metricHistoryResponseSchema = z.object({ metrics: z.array(metricSchema).default([]), next_page_token: z.string().optional() });
export const listArtifactsResponseSchema = z.object({ files: z.array(fileInfoSchema).default([]) });
export const emptyResponseSchema = z.object({});
export const errorResponseSchema = z.object({ error_code: z.string().optional(), message: z.string().optional() });

// ---- inputs (ours: strict)

// z.number() rejects NaN and infinities, which are legitimate metric values (a diverged loss).
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number (NaN and infinities allowed)');

/** A metric point as serflow logs it: the step is explicit; the timestamp (ms since epoch) too. */
export const metricPointSchema = z.strictObject({
  key: z.string(),
  value: anyNumber,
  step: z.number().int().nonnegative(),
  timestamp: z.number().int().nonnegative(),
});
export type MetricPoint = z.infer<typeof metricPointSchema>;

export const paramSchema = z.strictObject({ key: z.string(), value: z.string() });
export type Param = z.infer<typeof paramSchema>;

export const tagSchema = z.strictObject({ key: z.string(), value: z.string() });
export type Tag = z.infer<typeof tagSchema>;

export const logBatchInputSchema = z.strictObject({
  metrics: z.array(metricPointSchema).default([]),
  params: z.array(paramSchema).default([]),
  tags: z.array(tagSchema).default([]),
});
export type LogBatchInput = z.input<typeof logBatchInputSchema>;

/**
 * A dataset a run used, as serflow logs it (runs/log-inputs). MLflow's limits: name at most 500
 * characters, digest at most 36, source and schema at most 1 MB together with the profile.
 * `context` becomes the input's `mlflow.data.context` tag (the UI shows it beside the name).
 */
export const datasetInputSchema = z.strictObject({
  name: z.string().min(1).max(500),
  digest: z.string().min(1).max(36),
  sourceType: z.string().min(1),
  source: z.string(),
  schema: z.string().optional(),
  profile: z.string().optional(),
  context: z.string().min(1).optional(),
});
export type DatasetInput = z.input<typeof datasetInputSchema>;

/** Tags given as a record (the common case) or as a list. */
export type TagsInput = Record<string, string> | Tag[];

export function tagList(tags: TagsInput | undefined): Tag[] {
  if (!tags) return [];
  return Array.isArray(tags) ? tags : Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** The wire form of a metric value: JSON cannot carry NaN or infinities. */
export function wireMetricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}
