/**
 * Idempotent run bookkeeping on top of MlflowClient: what a retried Temporal activity calls so
 * that running it twice (or resuming it after a crash half-way through a log-batch) leaves MLflow
 * as if it had run once.
 *
 * - Runs are identified by a deterministic key (tag `serflow.key`, e.g. the hash of the
 *   activity's inputs) and found by it before one is created. Two attempts racing to create
 *   the same run converge: after creating, the registry searches again and keeps the oldest run
 *   (start_time, then run_id); the others are tagged `serflow.duplicateOf` and deleted, so an
 *   attempt still logging to one fails loudly and its retry finds the survivor.
 * - Params are logged once: present with the same value is skipped, present with another value
 *   is a ParamConflictError naming the param.
 * - Metrics are deduplicated by (key, step), read back from MLflow before logging. Chosen over
 *   timestamps derived from the step because those would make the UI's wall-time axis
 *   meaningless, and would still add a second point when a retry recomputes a slightly different
 *   value (MLflow dedups only on key, value, timestamp and step all equal). Cost: one runs/get
 *   per call, plus one metrics/get-history per key only when a new step is not beyond the
 *   key's latest logged step (i.e. after a retry), so plain epoch-by-epoch logging stays cheap.
 *   Caveat: two attempts logging the same run at the same moment can still both log a point.
 */
import { z } from 'zod';
import { InputError } from '../foundation/errors';
import { describeZodError } from '../foundation/zod-issues';
import type { ArtifactBody, MlflowClient } from './mlflow-client';
import { MlflowApiError, ParamConflictError } from './mlflow-errors';
import type { Metric, Run, RunStatus } from './mlflow-schemas';
import type { MinimalLogger } from '../foundation/minimal-logger';

export const RUN_KEY_TAG = 'serflow.key';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const DUPLICATE_OF_TAG = 'serflow.duplicateOf';

export const ensureRunInputSchema = z.strictObject({
  experimentId: z.string().min(1),
  /** Deterministic identity of the run, e.g. a hash of the inputs. Searchable, so plain characters only. */
  key: z.string().regex(/^[A-Za-z0-9_.:/-]{1,250}$/, 'run key: 1-250 of letters, digits and _ . : / -'),
  name: z.string().min(1).max(250),
  parentRunId: z.string().min(1).optional(),
  tags: z.record(z.string(), z.string()).default({}),
});
export type EnsureRunInput = z.input<typeof ensureRunInputSchema>;

export const metricInputSchema = z.strictObject({
  key: z.string(),
  value: z.custom<number>((v) => typeof v === 'number', 'expected a number (NaN allowed)'),
  step: z.number().int().nonnegative(),
  /** ms since epoch; default: now. */
  timestamp: z.number().int().nonnegative().optional(),
});
export type MetricInput = z.input<typeof metricInputSchema>;

export interface EnsuredRun {
  run: Run;
  /** False when an earlier attempt had made it. */
  created: boolean;
}

export interface MetricsLogged {
  logged: number;
  /** Points whose (key, step) was already logged with the same value. */
  skipped: number;
  /** Points whose (key, step) was already logged with another value: kept as logged, reported here. */
  differing: { key: string; step: number; loggedValue: number; newValue: number }[];
}

export class RunRegistry {
  constructor(
    private readonly client: MlflowClient,
    private readonly options: { logger?: MinimalLogger } = {},
  ) {}

  /**
   * The run with this key in the experiment, created (with its tags, name and parent) if there is
   * no active one. A run a user deleted is not brought back: a new one is made.
   */
  async ensureRun(input: EnsureRunInput): Promise<EnsuredRun> {
    const want = parseInput(ensureRunInputSchema, input);
    const existing = await this.client.findRunsByTag([want.experimentId], RUN_KEY_TAG, want.key);
    if (existing.length > 0) {
      const run = await this.settle(existing, want.key);
      this.checkParent(run, want.parentRunId, want.key);
      return { run: await this.refresh(run, want.tags), created: false };
    }
    const tags: Record<string, string> = { ...want.tags, [RUN_KEY_TAG]: want.key };
    if (want.parentRunId) tags[PARENT_RUN_TAG] = want.parentRunId;
    const created = await this.client.createRun({ experimentId: want.experimentId, runName: want.name, tags });
    // A racing attempt (or a create retried after a lost response) may have made another one.
    const after = await this.client.findRunsByTag([want.experimentId], RUN_KEY_TAG, want.key);
    if (!after.some((r) => r.info.run_id === created.info.run_id)) after.push(created);
    const run = await this.settle(after, want.key);
    this.checkParent(run, want.parentRunId, want.key);
    return { run, created: run.info.run_id === created.info.run_id };
  }

  /**
   * Logs the params that are not on the run yet. Same value already there: skipped. Another value:
   * ParamConflictError listing every such param, and nothing is logged.
   */
  async logParamsOnce(runId: string, params: Record<string, string>): Promise<{ logged: string[]; skipped: string[] }> {
    const logged = new Map((await this.client.getRun(runId)).data.params.map((p) => [p.key, p.value]));
    const conflicts = Object.entries(params)
      .filter(([k, v]) => logged.has(k) && logged.get(k) !== v)
      .map(([key, newValue]) => ({ key, loggedValue: logged.get(key) ?? '', newValue }));
    if (conflicts.length > 0) throw new ParamConflictError({ runId, conflicts });
    const missing = Object.entries(params).filter(([k]) => !logged.has(k));
    if (missing.length > 0) await this.client.logBatch(runId, { params: missing.map(([key, value]) => ({ key, value })) });
    return { logged: missing.map(([k]) => k), skipped: Object.keys(params).filter((k) => logged.has(k)) };
  }

  /** Logs the points whose (key, step) is not on the run yet; see the module comment. */
  async logMetricsOnce(runId: string, metrics: MetricInput[]): Promise<MetricsLogged> {
    const now = Date.now();
    const points = metrics.map((m) => {
      const p = parseInput(metricInputSchema, m);
      return { key: p.key, value: p.value, step: p.step, timestamp: p.timestamp ?? now };
    });
    const byKey = new Map<string, typeof points>();
    for (const p of points) {
      const list = byKey.get(p.key) ?? [];
      if (list.some((q) => q.step === p.step)) {
        throw new InputError({ field: `metric ${p.key}`, reason: `step ${p.step} given twice in one call`, fix: 'log one value per metric and step' });
      }
      list.push(p);
      byKey.set(p.key, list);
    }
    const latest = new Map((await this.client.getRun(runId)).data.metrics.map((m) => [m.key, m]));
    const result: MetricsLogged = { logged: 0, skipped: 0, differing: [] };
    const toLog: typeof points = [];
    for (const [key, list] of byKey) {
      const last = latest.get(key);
      // MLflow's latest value of a key is the one with the highest step: anything beyond it is new.
      if (!last || list.every((p) => p.step > last.step)) {
        toLog.push(...list);
        continue;
      }
      const history = new Map<number, Metric>();
      for (const h of await this.client.getMetricHistory(runId, key)) history.set(h.step, h);
      for (const p of list) {
        const old = history.get(p.step);
        if (!old) toLog.push(p);
        else if (sameNumber(old.value, p.value)) result.skipped++;
        else result.differing.push({ key, step: p.step, loggedValue: old.value, newValue: p.value });
      }
    }
    if (result.differing.length > 0) {
      this.options.logger?.warn({ runId, differing: result.differing.slice(0, 10), count: result.differing.length }, 'metric steps already logged with other values; kept the logged ones');
    }
    if (toLog.length > 0) await this.client.logBatch(runId, { metrics: toLog });
    result.logged = toLog.length;
    return result;
  }

  /** Sets the tags whose value differs from the run's (tags are mutable: the new value wins). */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const current = new Map((await this.client.getRun(runId)).data.tags.map((t) => [t.key, t.value]));
    const changed = Object.entries(tags).filter(([k, v]) => current.get(k) !== v);
    if (changed.length > 0) await this.client.logBatch(runId, { tags: changed.map(([key, value]) => ({ key, value })) });
  }

  /** Uploads an artifact of the run. Idempotent by nature: the same path is overwritten. */
  async logArtifact(run: Run, relativePath: string, body: ArtifactBody): Promise<void> {
    await this.client.uploadRunArtifact(run, relativePath, body);
  }

  async finishRun(runId: string, status: Extract<RunStatus, 'FINISHED' | 'FAILED' | 'KILLED'> = 'FINISHED'): Promise<void> {
    await this.client.updateRun(runId, { status, endTime: Date.now() });
  }

  /** Picks the survivor among runs sharing a key and deletes the others. */
  private async settle(runs: Run[], key: string): Promise<Run> {
    const sorted = [...runs].sort(
      (a, b) => (a.info.start_time ?? 0) - (b.info.start_time ?? 0) || (a.info.run_id < b.info.run_id ? -1 : a.info.run_id > b.info.run_id ? 1 : 0),
    );
    const [winner, ...losers] = sorted;
    if (!winner) throw new Error(`no run for key ${key}`);
    for (const loser of losers) {
      this.options.logger?.warn({ key, kept: winner.info.run_id, deleted: loser.info.run_id }, 'two runs share a key; deleting the newer one');
      try {
        await this.client.setTag(loser.info.run_id, DUPLICATE_OF_TAG, winner.info.run_id);
        await this.client.deleteRun(loser.info.run_id);
      } catch (error) {
        // Another attempt settling the same race may have deleted it first.
        if (!(error instanceof MlflowApiError && error.status < 500)) throw error;
      }
    }
    return winner;
  }

  private checkParent(run: Run, parentRunId: string | undefined, key: string): void {
    const actual = run.data.tags.find((t) => t.key === PARENT_RUN_TAG)?.value;
    if ((actual ?? undefined) !== parentRunId) {
      throw new InputError({
        field: `run key ${key}`,
        reason: `run ${run.info.run_id} already has this key with parent ${actual ?? '(none)'}, not ${parentRunId ?? '(none)'}`,
        fix: 'make the run key include the parent (e.g. hash the parent key into it)',
      });
    }
  }

  /** Brings an existing run up to date: tags, and back to RUNNING if an earlier attempt marked it failed or killed. */
  private async refresh(run: Run, tags: Record<string, string>): Promise<Run> {
    const current = new Map(run.data.tags.map((t) => [t.key, t.value]));
    const changed = Object.entries(tags).filter(([k, v]) => current.get(k) !== v);
    const reopen = run.info.status === 'FAILED' || run.info.status === 'KILLED';
    if (changed.length === 0 && !reopen) return run;
    if (changed.length > 0) await this.client.logBatch(run.info.run_id, { tags: changed.map(([key, value]) => ({ key, value })) });
    if (reopen) await this.client.updateRun(run.info.run_id, { status: 'RUNNING' });
    return this.client.getRun(run.info.run_id);
  }
}

function sameNumber(a: number, b: number): boolean {
  // MLflow stores infinities as +-Number.MAX_VALUE.
  const clamp = (x: number): number => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, x));
  return clamp(a) === clamp(b) || (Number.isNaN(a) && Number.isNaN(b));
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InputError({ reason: describeZodError(parsed.error, { root: '(input)' }) });
}
