/**
 * What the fault tests share: stack configs of their own (unique task queues, optionally other
 * ports), `serflow worker` child processes whose JSON log lines are collected as they come,
 * bounded waits, and MLflow bookkeeping checks (runs per `serflow.key`, metric points per key).
 * Workers in the test's own process: test/support/in-process-workers.ts.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadStackSettings } from '../../infra/stack-settings';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { routedByStore } from '../../composition/store-routing';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowArtifactStore } from '../../store/mlflow-artifact-store';
import type { StoreIdentity } from '../../store/store-identity';
import { MlflowClient } from '../../tracking/mlflow-client';
import type { Metric, Run } from '../../tracking/mlflow-schemas';

export const repo = join(__dirname, '..', '..');
export const serflowBin = join(repo, 'bin', 'serflow');
/** The stack the tests run against: infra/test.sh exports it (SERFLOW_TEST_STACK_CONFIG picks another). */
export const testStackConfig = process.env.SERFLOW_STACK_CONFIG ?? join(repo, 'test', 'fixtures', 'temporal.test.yaml');

type RawSettings = { temporal: Record<string, unknown> & { taskQueues: Record<string, string> }; mlflow: Record<string, unknown> };

/**
 * A copy of the test stack config in `dir` with task queues unique to the caller, changed
 * further by `edit`; returns its path and the parsed settings (environment overrides applied).
 */
export function writeStackConfig(dir: string, edit: (raw: RawSettings) => void = () => {}): { path: string; settings: StackSettings } {
  const raw = parse(readFileSync(testStackConfig, 'utf8')) as RawSettings;
  const suffix = randomUUID().slice(0, 8);
  raw.temporal.taskQueues = { orchestration: `faults-${suffix}`, compute: `faults-compute-${suffix}` };
  edit(raw);
  const path = join(dir, `temporal-${suffix}.yaml`);
  writeFileSync(path, stringify(raw));
  return { path, settings: loadStackSettings(path) };
}

/**
 * The settings routed to the store of a spawned worker (composition/store-routing.ts): the local
 * store of its state folder, or the shared store of the settings' MLflow server
 * (SERFLOW_STORE=mlflow). Workflows started on these queues reach that worker.
 */
export async function routedTo(settings: StackSettings, store: { state: string } | 'mlflow'): Promise<{ settings: StackSettings; store: StoreIdentity }> {
  const identity = await (store === 'mlflow'
    ? new MlflowArtifactStore(new MlflowClient({ baseUrl: settings.mlflow.trackingUri })).identity()
    : new LocalFolderStore(join(store.state, 'store')).identity());
  return { settings: routedByStore(settings, identity), store: identity };
}

export interface LogLine {
  level?: number;
  time?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface SpawnedWorker {
  child: ChildProcess;
  pid: number;
  /** The identity Temporal records for this worker's tasks (the SDK default: pid@host). */
  identity: string;
  /** Parsed JSON log lines so far. */
  lines: LogLine[];
  /** Everything written to stderr and stdout so far (for failure messages and secret checks). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

/** `bin/serflow worker` with the given stack config and state folder (its local store and scratch). */
export function spawnWorker(options: { config: string; state: string; queues?: string; computeConcurrency?: number; env?: NodeJS.ProcessEnv }): SpawnedWorker {
  return spawnSerflow([
    'worker', ...(options.queues ? ['--queues', options.queues] : []),
    ...(options.computeConcurrency ? ['--compute-concurrency', String(options.computeConcurrency)] : []),
  ], { config: options.config, state: options.state, ...(options.env ? { env: options.env } : {}) });
}

/**
 * `bin/serflow <args>` with the given stack config and state folder (a local store unless `env`
 * says otherwise), JSON logs at info; its output is collected as it comes.
 */
export function spawnSerflow(args: string[], options: { config: string; state: string; env?: NodeJS.ProcessEnv }): SpawnedWorker {
  const child = spawn(serflowBin, args, {
    env: {
      ...process.env, SERFLOW_STACK_CONFIG: options.config, SERFLOW_STATE: options.state, SERFLOW_STORE: 'local',
      SERFLOW_LOG_LEVEL: 'info', SERFLOW_LOG_PRETTY: '0', TF_CPP_MIN_LOG_LEVEL: '2', ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.ok(child.pid, `serflow ${args[0] ?? ''} started`);
  return { child, pid: child.pid, identity: `${child.pid}@${hostname()}`, ...collectOutput(child) };
}

/**
 * A child's stdout and stderr as they come: all of it as text, and its JSON log lines parsed;
 * `exited` resolves after the exit, once both streams are drained (every line is in).
 */
export function collectOutput(child: ChildProcess): Pick<SpawnedWorker, 'lines' | 'output' | 'exited' | 'isRunning'> {
  const lines: LogLine[] = [];
  let text = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    text += s;
    partial += s;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log record
      }
    }
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close' comes after the exit and after stdout and stderr are drained: every line is in.
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  return { lines, output: () => text, exited, isRunning: () => running };
}

/** Stops a spawned worker (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
export async function stopWorker(w: SpawnedWorker | undefined, graceMs = 15_000): Promise<void> {
  if (!w || !w.isRunning()) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
  await w.exited;
  clearTimeout(timer);
}

/** Polls `probe` until it returns a value other than undefined, or fails naming `what` at the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The promise's value, or a failure naming `what` after `timeoutMs` (the timer never outlives the promise). */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}` })), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

/** Every active run of an MLflow experiment (by name). */
export async function runsOf(mlflow: MlflowClient, experimentName: string): Promise<Run[]> {
  const experiment = await mlflow.getExperimentByName(experimentName);
  assert.ok(experiment, `MLflow experiment ${experimentName} exists`);
  return mlflow.searchAllRuns({ experimentIds: [experiment.experiment_id] });
}

/** Fails when two active runs share a `serflow.key`; returns the runs by key. */
export function assertOneRunPerKey(runs: Run[]): Map<string, Run> {
  const byKey = new Map<string, Run[]>();
  for (const r of runs) {
    const key = tag(r, 'serflow.key') ?? `(no key) ${r.info.run_id}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const duplicated = [...byKey].filter(([, list]) => list.length > 1).map(([key, list]) => `${key} x${list.length}`);
  assert.deepEqual(duplicated, [], 'no two runs share a serflow.key');
  return new Map([...byKey].map(([key, list]) => [key, list[0] as Run]));
}

/**
 * The full metric histories of a run, by key; fails when a (key, step) has more than one point
 * (a duplicate point left by a retried log call).
 */
export async function metricHistories(mlflow: MlflowClient, run: Run): Promise<Map<string, Metric[]>> {
  const out = new Map<string, Metric[]>();
  for (const key of [...new Set(run.data.metrics.map((m) => m.key))].sort()) {
    const history = await mlflow.getMetricHistory(run.info.run_id, key);
    const steps = history.map((h) => h.step);
    assert.equal(new Set(steps).size, steps.length, `run ${run.info.run_id} metric ${key}: one point per step (steps ${steps.join(',')})`);
    out.set(key, history);
  }
  return out;
}

/** A run key without the parts that name one experiment's runs (a GAN run's key names its parent run). */
export function comparableKey(key: string): string {
  return key.replace(/^gan\/[^/]+\//, 'gan/');
}

/**
 * Run key (comparable across experiments) -> metric key -> the values by step, for comparing
 * two experiments' MLflow contents.
 */
export async function mlflowContents(mlflow: MlflowClient, runs: Run[]): Promise<Map<string, Map<string, number[]>>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const [key, run] of assertOneRunPerKey(runs)) {
    const histories = await metricHistories(mlflow, run);
    out.set(comparableKey(key), new Map([...histories].map(([k, h]) => [k, [...h].sort((a, b) => a.step - b.step).map((p) => p.value)])));
  }
  return out;
}
