/**
 * A typed client for MLflow's REST API 2.0 (tested against MLflow 3.17.2): experiments, runs,
 * params, metrics, tags and artifacts through the server's artifact proxy. Every response is
 * parsed by a zod schema (tracking/mlflow-schemas.ts).
 *
 * Failure behaviour: connection errors, timeouts, 5xx and 429 are retried with exponential
 * backoff and full jitter within a total time budget (default 120 s, enough to ride out a 60 s
 * outage); other 4xx fail at once as MlflowApiError. A budget spent on connection errors throws
 * MlflowUnavailableError. Keys are checked before sending (InputError).
 *
 * Caveat: MLflow's create endpoints have no idempotency key. A create whose response was lost is
 * retried and may create twice; tracking/run-registry.ts resolves that for runs, and
 * ensureExperiment resolves it for experiments (names are unique).
 */
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { InputError } from '../foundation/errors';
import { describeZodError } from '../foundation/zod-issues';
import { redactText } from '../logging/redact';
import { chunkLogBatch } from './log-batch-chunks';
import type { MlflowAuth } from './mlflow-connection';
import { authorizationHeader, resolveConnection } from './mlflow-connection';
import { isMlflowNotFound, MlflowApiError, MlflowProtocolError, MlflowUnavailableError, ParamConflictError } from './mlflow-errors';
import { assertValidArtifactPath, assertValidKey, assertValidParamValue, assertValidTagValue } from './mlflow-keys';
import type { DatasetInput, Experiment, FileInfo, LogBatchInput, Metric, MetricPoint, Run, RunInfo, RunStatus, TagsInput } from './mlflow-schemas';
import {
  createExperimentResponseSchema,
  datasetInputSchema,
  emptyResponseSchema,
  errorResponseSchema,
  getExperimentResponseSchema,
  listArtifactsResponseSchema,
  logBatchInputSchema,
  metricHistoryResponseSchema,
  runResponseSchema,
  searchExperimentsResponseSchema,
  searchRunsResponseSchema,
  tagList,
  updateRunResponseSchema,
  wireMetricValue,
} from './mlflow-schemas';
import { readAllPages } from './mlflow-pages';
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { RetryPolicy, RetryPolicyInput } from './retry-policy';
import { RetriesExhausted, retryPolicySchema, retryWithBackoff } from './retry-policy';

export interface MlflowClientOptions {
  /** Server URL. Default: env MLFLOW_TRACKING_URI, else http://127.0.0.1:5000. */
  baseUrl?: string;
  /** Credentials. Default: from env (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME/PASSWORD) or the URL. null: none. */
  auth?: MlflowAuth | null;
  /** Backoff for connection errors, 5xx and 429. Defaults: see tracking/retry-policy.ts. */
  retry?: RetryPolicyInput;
  /** A single API request (including reading its response) is abandoned after this long, ms; it counts as a connection error. Default 30000. */
  requestTimeoutMs?: number;
  /** The same for one artifact upload or download, ms. Default 600000. */
  artifactTimeoutMs?: number;
  logger?: MinimalLogger;
}

export type ArtifactBody = Buffer | Uint8Array | (() => Readable);

interface RawResponse {
  status: number;
  body: Buffer;
}

type Query = Record<string, string | number | undefined>;

/** What runs/search looks for. `filter` uses MLflow's search syntax, e.g. tags.`serflow.key` = 'abc'. */
export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  /** Default (the server's): ACTIVE_ONLY. */
  runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

type RequestBody = string | Buffer | Uint8Array | ReadableStream;

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';

export class MlflowClient {
  /** Base URL without credentials. */
  readonly baseUrl: string;
  private readonly auth: MlflowAuth | undefined;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly artifactTimeoutMs: number;
  private readonly logger: MinimalLogger | undefined;

  constructor(options: MlflowClientOptions = {}) {
    const connection = resolveConnection(options);
    this.baseUrl = connection.baseUrl;
    this.auth = connection.auth;
    this.retry = retryPolicySchema.parse(options.retry ?? {});
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.artifactTimeoutMs = options.artifactTimeoutMs ?? 600_000;
    this.logger = options.logger;
  }

  // ---------------------------------------------------------------- experiments

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.getJson('/experiments/get-by-name', { experiment_name: name }, getExperimentResponseSchema);
      return res.experiment;
    } catch (error) {
      if (isMlflowNotFound(error)) return undefined;
      throw error;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (await this.getJson('/experiments/get', { experiment_id: experimentId }, getExperimentResponseSchema)).experiment;
  }

  /** Creates an experiment; fails with RESOURCE_ALREADY_EXISTS if the name is taken (see ensureExperiment). */
  async createExperiment(name: string, options: { artifactLocation?: string; tags?: TagsInput } = {}): Promise<string> {
    const tags = tagList(options.tags);
    for (const t of tags) assertValidKey('tag', t.key);
    const res = await this.postJson('/experiments/create', { name, artifact_location: options.artifactLocation, tags }, createExperimentResponseSchema);
    return res.experiment_id;
  }

  /** Sets (or overwrites) one tag of an experiment. */
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    assertValidKey('tag', key);
    assertValidTagValue(key, value);
    await this.postJson('/experiments/set-experiment-tag', { experiment_id: experimentId, key, value }, emptyResponseSchema);
  }

  /**
   * The experiment of this name, created if missing. Idempotent and safe under races: a create
   * that loses to another (or to its own lost response) reads the winner. `tags` are set at
   * creation, and on an existing experiment wherever its value differs (so an experiment made
   * by an older version gains them); the returned experiment carries them.
   */
  async ensureExperiment(name: string, options: { artifactLocation?: string; tags?: TagsInput } = {}): Promise<Experiment> {
    let experiment = await this.getExperimentByName(name);
    if (!experiment) {
      try {
        await this.createExperiment(name, options);
      } catch (error) {
        if (!(error instanceof MlflowApiError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
      }
      experiment = await this.getExperimentByName(name);
    }
    if (!experiment) throw new MlflowProtocolError({ endpoint: 'experiments/get-by-name', problem: `experiment ${JSON.stringify(name)} missing right after it was created` });
    if (experiment.lifecycle_stage === 'deleted') {
      throw new InputError({
        field: `experiment ${JSON.stringify(name)}`,
        reason: `the experiment exists but is deleted (id ${experiment.experiment_id})`,
        fix: `restore it (mlflow experiments restore --experiment-id ${experiment.experiment_id}) or use another experiment name`,
      });
    }
    const current = new Map((experiment.tags ?? []).map((t) => [t.key, t.value]));
    const missing = tagList(options.tags).filter((t) => current.get(t.key) !== t.value);
    for (const t of missing) await this.setExperimentTag(experiment.experiment_id, t.key, t.value);
    if (missing.length === 0) return experiment;
    for (const t of missing) current.set(t.key, t.value);
    return { ...experiment, tags: [...current].map(([key, value]) => ({ key, value })) };
  }

  /** The ids of every active experiment (all pages). */
  async activeExperimentIds(): Promise<string[]> {
    return readAllPages(async (pageToken) => {
      const page = await this.postJson('/experiments/search', { max_results: 1000, view_type: 'ACTIVE_ONLY', page_token: pageToken }, searchExperimentsResponseSchema);
      return { items: page.experiments.map((e) => e.experiment_id), nextPageToken: page.next_page_token };
    });
  }

  // ---------------------------------------------------------------- runs

  async createRun(input: { experimentId: string; runName?: string; startTime?: number; tags?: TagsInput }): Promise<Run> {
    const tags = tagList(input.tags);
    for (const t of tags) {
      assertValidKey('tag', t.key);
      assertValidTagValue(t.key, t.value);
    }
    const res = await this.postJson(
      '/runs/create',
      { experiment_id: input.experimentId, run_name: input.runName, start_time: input.startTime ?? Date.now(), tags },
      runResponseSchema,
    );
    return res.run;
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.getJson('/runs/get', { run_id: runId }, runResponseSchema)).run;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const res = await this.postJson('/runs/update', { run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName }, updateRunResponseSchema);
    return res.run_info;
  }

  /** Marks a run deleted (it can be restored; logging to it fails until then). */
  async deleteRun(runId: string): Promise<void> {
    await this.postJson('/runs/delete', { run_id: runId }, emptyResponseSchema);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.postJson('/runs/restore', { run_id: runId }, emptyResponseSchema);
  }

  /** One page of runs (at most `maxResults`, default 1000); searchAllRuns reads every page. */
  async searchRuns(query: RunSearch & { maxResults?: number; pageToken?: string }): Promise<{ runs: Run[]; nextPageToken: string | undefined }> {
    const res = await this.postJson(
      '/runs/search',
      {
        experiment_ids: query.experimentIds,
        filter: query.filter,
        max_results: query.maxResults ?? 1000,
        order_by: query.orderBy,
        run_view_type: query.runViewType,
        page_token: query.pageToken,
      },
      searchRunsResponseSchema,
    );
    return { runs: res.runs, nextPageToken: res.next_page_token || undefined };
  }

  /** Every run the search matches (all pages, 1000 a request). */
  async searchAllRuns(query: RunSearch): Promise<Run[]> {
    return readAllPages(async (pageToken) => {
      const page = await this.searchRuns({ ...query, pageToken });
      return { items: page.runs, nextPageToken: page.nextPageToken };
    });
  }

  /** All active runs of the experiments whose tag `key` equals `value` (all pages). */
  async findRunsByTag(experimentIds: string[], key: string, value: string): Promise<Run[]> {
    assertValidKey('tag', key);
    // MLflow's filter grammar has no reliable escape for quotes inside string literals.
    if (/['"`\\]/.test(value)) {
      throw new InputError({ field: `tag ${key}`, reason: `cannot search for a value containing quotes or backslashes: ${JSON.stringify(value)}`, fix: 'use a key made of letters, digits and - _ . : /' });
    }
    return this.searchAllRuns({ experimentIds, filter: `tags.\`${key}\` = '${value}'`, runViewType: 'ACTIVE_ONLY' });
  }

  // ---------------------------------------------------------------- params, metrics, tags

  /**
   * Logs metrics, params and tags, split into as many requests as MLflow's limits need. Not
   * atomic: when a later chunk fails, earlier ones stay logged (MLflow may even keep part of a
   * failed chunk). Re-logging the same params, tags and (key, value, step, timestamp) metric points
   * is harmless; see tracking/run-registry.ts for retry-safe logging with fresh timestamps.
   * A param logged before with another value throws ParamConflictError naming it.
   */
  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    const batch = logBatchInputSchema.parse(input);
    for (const m of batch.metrics) assertValidKey('metric', m.key);
    for (const p of batch.params) {
      assertValidKey('param', p.key);
      assertValidParamValue(p.key, p.value);
    }
    for (const t of batch.tags) {
      assertValidKey('tag', t.key);
      assertValidTagValue(t.key, t.value);
    }
    const chunks = chunkLogBatch({
      metrics: batch.metrics.map((m) => ({ key: m.key, value: wireMetricValue(m.value), timestamp: m.timestamp, step: m.step })),
      params: batch.params,
      tags: batch.tags,
    });
    for (const chunk of chunks) {
      try {
        await this.postJson('/runs/log-batch', { run_id: runId, ...chunk }, emptyResponseSchema);
      } catch (error) {
        if (chunk.params.length > 0 && isParamChangeError(error)) throw await this.paramConflicts(runId, chunk.params, error);
        throw error;
      }
    }
  }

  /**
   * Records datasets as inputs of a run (runs/log-inputs): the runs table shows them in its
   * Datasets column and `dataset.name = '...'` filters on them. Logging the same (name, digest)
   * again does not add a second entry.
   */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const wire = datasets.map((input) => {
      const d = datasetInputSchema.parse(input);
      return {
        tags: d.context ? [{ key: 'mlflow.data.context', value: d.context }] : [],
        dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
      };
    });
    await this.postJson('/runs/log-inputs', { run_id: runId, datasets: wire }, emptyResponseSchema);
  }

  async logMetric(runId: string, point: MetricPoint): Promise<void> {
    await this.logBatch(runId, { metrics: [point] });
  }

  /** Logging the same value again is fine; another value throws ParamConflictError. */
  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { params: [{ key, value }] });
  }

  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    await this.logBatch(runId, { params: Object.entries(params).map(([key, value]) => ({ key, value })) });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    assertValidKey('tag', key);
    assertValidTagValue(key, value);
    await this.postJson('/runs/set-tag', { run_id: runId, key, value }, emptyResponseSchema);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.postJson('/runs/delete-tag', { run_id: runId, key }, emptyResponseSchema);
  }

  /** Every logged point of one metric (all pages), in the server's order. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return readAllPages(async (pageToken) => {
      const res = await this.getJson('/metrics/get-history', { run_id: runId, metric_key: key, page_token: pageToken }, metricHistoryResponseSchema);
      return { items: res.metrics, nextPageToken: res.next_page_token };
    });
  }

  // ---------------------------------------------------------------- artifacts (proxy)

  /**
   * Uploads to `path` under the server's --artifacts-destination; overwrites what is there. A
   * stream body is a factory so that a retry can start over.
   */
  async uploadArtifact(path: string, body: ArtifactBody): Promise<void> {
    assertValidArtifactPath(path);
    const raw = await this.send('PUT', `${ARTIFACTS_API}/${encodePath(path)}`, {
      body: typeof body === 'function' ? () => Readable.toWeb(body()) as ReadableStream : () => body,
      contentType: 'application/octet-stream',
      timeoutMs: this.artifactTimeoutMs,
    });
    parseWith(emptyResponseSchema, raw, `PUT ${ARTIFACTS_API}/…`, true);
  }

  /** The bytes at `path`; MlflowApiError 404 (see isMlflowNotFound) when there are none. */
  async downloadArtifact(path: string): Promise<Buffer> {
    assertValidArtifactPath(path);
    return (await this.send('GET', `${ARTIFACTS_API}/${encodePath(path)}`, { timeoutMs: this.artifactTimeoutMs })).body;
  }

  /** Entries directly under `path`, with `path` given relative to the proxy root. Missing folder: empty list. */
  async listArtifacts(path?: string): Promise<FileInfo[]> {
    if (path !== undefined) assertValidArtifactPath(path);
    const raw = await this.send('GET', ARTIFACTS_API, { query: { path } });
    const res = parseWith(listArtifactsResponseSchema, raw, `GET ${ARTIFACTS_API}`);
    return res.files.map((f) => ({ ...f, path: path ? `${path}/${f.path}` : f.path }));
  }

  async deleteArtifact(path: string): Promise<void> {
    assertValidArtifactPath(path);
    await this.send('DELETE', `${ARTIFACTS_API}/${encodePath(path)}`, {});
  }

  /**
   * The proxy path of a run's artifact folder, from its artifact_uri (mlflow-artifacts:/1/<run>/artifacts).
   * Runs whose experiment stores artifacts elsewhere (an s3:// root, a local path) are not reachable
   * through the proxy: that is an InputError with the fix.
   */
  runArtifactRoot(run: Run): string {
    const uri = run.info.artifact_uri ?? '';
    let rest: string | undefined;
    if (uri.startsWith('mlflow-artifacts:')) rest = uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, '');
    else {
      const at = uri.indexOf(ARTIFACTS_API);
      if (/^https?:/.test(uri) && at >= 0) rest = uri.slice(at + ARTIFACTS_API.length);
    }
    if (rest === undefined) {
      throw new InputError({
        field: `run ${run.info.run_id}`,
        reason: `its artifact_uri ${JSON.stringify(uri)} is not served by the MLflow artifact proxy`,
        fix: 'start the server with --serve-artifacts --artifacts-destination <dir> and use an experiment created without a custom artifact location',
      });
    }
    return rest.replace(/^\/+|\/+$/g, '');
  }

  async uploadRunArtifact(run: Run, relativePath: string, body: ArtifactBody): Promise<void> {
    assertValidArtifactPath(relativePath);
    await this.uploadArtifact(`${this.runArtifactRoot(run)}/${relativePath}`, body);
  }

  async downloadRunArtifact(run: Run, relativePath: string): Promise<Buffer> {
    assertValidArtifactPath(relativePath);
    return this.downloadArtifact(`${this.runArtifactRoot(run)}/${relativePath}`);
  }

  /** Entries directly under `relativePath` (or the root) of the run's artifacts, paths relative to the run's root. */
  async listRunArtifacts(run: Run, relativePath?: string): Promise<FileInfo[]> {
    const root = this.runArtifactRoot(run);
    const files = await this.listArtifacts(relativePath ? `${root}/${relativePath}` : root);
    return files.map((f) => ({ ...f, path: f.path.slice(root.length + 1) }));
  }

  // ---------------------------------------------------------------- transport

  private async getJson<S extends z.ZodType>(path: string, query: Query, schema: S): Promise<z.output<S>> {
    const raw = await this.send('GET', `${API}${path}`, { query });
    return parseWith(schema, raw, `GET ${API}${path}`);
  }

  private async postJson<S extends z.ZodType>(path: string, json: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    const text = JSON.stringify(json);
    const raw = await this.send('POST', `${API}${path}`, { body: () => text, contentType: 'application/json' });
    return parseWith(schema, raw, `POST ${API}${path}`);
  }

  private async send(
    method: string,
    path: string,
    options: { query?: Query; body?: () => RequestBody; contentType?: string; timeoutMs?: number },
  ): Promise<RawResponse> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const endpoint = `${method} ${path}`;
    const headers: Record<string, string> = { ...authorizationHeader(this.auth), accept: 'application/json' };
    if (options.contentType) headers['content-type'] = options.contentType;
    const start = Date.now();
    try {
      return await retryWithBackoff(
        this.retry,
        async () => {
          const body = options.body?.();
          const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: AbortSignal.timeout(options.timeoutMs ?? this.requestTimeoutMs) };
          if (body !== undefined) {
            init.body = body;
            // Node's fetch needs this to send a stream body.
            if (body instanceof ReadableStream) init.duplex = 'half';
          }
          const response = await fetch(url, init);
          const bytes = Buffer.from(await response.arrayBuffer());
          if (response.status >= 200 && response.status < 300) return { status: response.status, body: bytes };
          throw apiError(endpoint, response.status, bytes, response.headers.get('retry-after'));
        },
        (error) => {
          if (error instanceof MlflowApiError) return { retry: error.details.retryable, minDelayMs: retryAfterMs.get(error) };
          return { retry: isConnectionError(error) };
        },
        ({ attempt, delayMs, error }) =>
          this.logger?.warn({ endpoint, attempt, delayMs, error: describe(error) }, 'MLflow request failed; retrying'),
      );
    } catch (error) {
      if (error instanceof RetriesExhausted) {
        if (error.lastError instanceof MlflowApiError) throw error.lastError;
        throw new MlflowUnavailableError({ endpoint, baseUrl: this.baseUrl, attempts: error.attempts, elapsedMs: Date.now() - start, lastError: describe(error.lastError) });
      }
      if (isConnectionError(error)) {
        throw new MlflowUnavailableError({ endpoint, baseUrl: this.baseUrl, attempts: 1, elapsedMs: Date.now() - start, lastError: describe(error) });
      }
      throw error;
    }
  }

  private async paramConflicts(runId: string, params: { key: string; value: string }[], original: unknown): Promise<Error> {
    try {
      const logged = new Map((await this.getRun(runId)).data.params.map((p) => [p.key, p.value]));
      const conflicts = params
        .filter((p) => logged.has(p.key) && logged.get(p.key) !== p.value)
        .map((p) => ({ key: p.key, loggedValue: logged.get(p.key) ?? '', newValue: p.value }));
      return conflicts.length > 0 ? new ParamConflictError({ runId, conflicts }) : (original as Error);
    } catch {
      return original as Error;
    }
  }
}

const retryAfterMs = new WeakMap<MlflowApiError, number>();

function apiError(endpoint: string, status: number, body: Buffer, retryAfter: string | null): MlflowApiError {
  let errorCode: string | undefined;
  let serverMessage = '';
  try {
    const parsed = errorResponseSchema.safeParse(JSON.parse(body.toString('utf8')));
    if (parsed.success) {
      errorCode = parsed.data.error_code;
      serverMessage = parsed.data.message ?? '';
    }
  } catch {
    serverMessage = body.toString('utf8').slice(0, 300);
  }
  if (status === 403 && /Invalid Host header/i.test(serverMessage)) {
    // MLflow >= 3.5 only accepts localhost and private-IP Host headers unless told otherwise.
    serverMessage += '. Fix: start the MLflow server with --allowed-hosts <the host[:port] of MLFLOW_TRACKING_URI>';
  }
  // SQL details in MLflow's messages are noise for a user. A server or proxy may echo what it
  // was sent: credentials are redacted before the message goes anywhere (logs, Temporal failures).
  serverMessage = redactText(serverMessage.split('\n')[0]?.replace(/ Error: \(\w+\.\w+\).*$/, '') ?? '');
  if (serverMessage.length > 500) serverMessage = `${serverMessage.slice(0, 497)}...`;
  const error = new MlflowApiError({ endpoint, status, errorCode, serverMessage, retryable: status >= 500 || status === 429 });
  const seconds = retryAfter !== null ? Number(retryAfter) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs.set(error, Math.min(seconds * 1000, 30_000));
  return error;
}

function parseWith<S extends z.ZodType>(schema: S, raw: RawResponse, endpoint: string, emptyOk = false): z.output<S> {
  let json: unknown;
  const text = raw.body.toString('utf8').trim();
  if (text === '' && emptyOk) json = {};
  else {
    try {
      json = JSON.parse(text);
    } catch {
      throw new MlflowProtocolError({ endpoint, problem: `not JSON: ${JSON.stringify(text.slice(0, 120))}` });
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new MlflowProtocolError({ endpoint, problem: describeZodError(parsed.error, { root: '(root)' }) });
  return parsed.data;
}

function isParamChangeError(error: unknown): boolean {
  return error instanceof MlflowApiError && error.errorCode === 'INVALID_PARAMETER_VALUE' && /param/i.test(error.details.serverMessage) && /chang/i.test(error.details.serverMessage);
}

/** fetch rejects with a TypeError ("fetch failed", cause ECONNREFUSED...) or a timeout/abort DOMException. */
function isConnectionError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return true;
  return false;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
