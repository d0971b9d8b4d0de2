/**
 * Zod schemas of what serflow sends to and reads from MLflow's REST API 2.0 (checked against an
 * MLflow 3.17.2 server). Wire names (snake_case) are kept so the types read like MLflow's docs.
 * Response objects are not strict: servers add fields between versions (e.g. `workspace`).
 * Inputs that serflow builds are strict, so a typo fails at once.
 */
import { z } from 'zod';

/**
 * JSON has no NaN or infinities: MLflow writes them as strings, and int64 fields may arrive as
 * strings from protobuf's JSON mapping. Both are normalised to numbers here.
 */
export const WireNumber = z.union([
  z.custom<number>((v) => typeof v === 'number'),
  z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => (s === 'NaN' ? Number.NaN : s === 'Infinity' ? Infinity : -Infinity)),
  z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/).transform(Number),
]);

export const Int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const KeyValue = z.object({ key: z.string(), value: z.string().default('') });
export type KeyValue = z.infer<typeof KeyValue>;

export const Experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  creation_time: Int64.optional(),
  last_update_time: Int64.optional(),
  tags: z.array(KeyValue).optional(),
});
export type Experiment = z.infer<typeof Experiment>;

export const RunStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunInfo = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  user_id: z.string().optional(),
  status: RunStatus,
  start_time: Int64.optional(),
  end_time: Int64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});
export type RunInfo = z.infer<typeof RunInfo>;

export const Metric = z.object({
  key: z.string(),
  value: WireNumber,
  timestamp: Int64,
  step: Int64.default(0),
});
export type Metric = z.infer<typeof Metric>;

export const RunData = z.object({
  metrics: z.array(Metric).default([]),
  params: z.array(KeyValue).default([]),
  tags: z.array(KeyValue).default([]),
});
export type RunData = z.infer<typeof RunData>;

export const Run = z.object({ info: RunInfo, data: RunData.default({ metrics: [], params: [], tags: [] }) });
export type Run = z.infer<typeof Run>;

export const FileInfo = z.object({
  path: z.string(),
  is_dir: z.boolean().default(false),
  file_size: Int64.optional(),
});
export type FileInfo = z.infer<typeof FileInfo>;

// ---- responses

export const GetExperimentResponse = z.object({ experiment: Experiment });
export const SearchExperimentsResponse = z.object({
  experiments: z.array(z.object({ experiment_id: z.string() })).default([]),
  next_page_token: z.string().optional(),
});
export const CreateExperimentResponse = z.object({ experiment_id: z.string() });
export const RunResponse = z.object({ run: Run });
export const UpdateRunResponse = z.object({ run_info: RunInfo });
export const SearchRunsResponse = z.object({ runs: z.array(Run).default([]), next_page_token: z.string().optional() });
export const MetricHistoryResponse = z.object({ metrics: z.array(Metric).default([]), next_page_token: z.string().optional() });
export const ListArtifactsResponse = z.object({ files: z.array(FileInfo).default([]) });
export const EmptyResponse = z.object({});
export const ErrorResponse = z.object({ error_code: z.string().optional(), message: z.string().optional() });

// ---- inputs (ours: strict)

/** A metric point as serflow logs it: the step is explicit; the timestamp (ms since epoch) too. */
// z.number() rejects NaN and infinities, which are legitimate metric values (a diverged loss).
const AnyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number (NaN and infinities allowed)');

export const MetricPoint = z.strictObject({
  key: z.string(),
  value: AnyNumber,
  step: z.number().int().nonnegative(),
  timestamp: z.number().int().nonnegative(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const Param = z.strictObject({ key: z.string(), value: z.string() });
export type Param = z.infer<typeof Param>;

export const Tag = z.strictObject({ key: z.string(), value: z.string() });
export type Tag = z.infer<typeof Tag>;

export const LogBatchInput = z.strictObject({
  metrics: z.array(MetricPoint).default([]),
  params: z.array(Param).default([]),
  tags: z.array(Tag).default([]),
});
export type LogBatchInput = z.input<typeof LogBatchInput>;

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
