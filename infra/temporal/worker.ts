/**
 * Builds the Temporal workers of one process, sharing one connection: one on the orchestration
 * queue (workflows and light activities), one on the compute queue (heavy activities) and one on
 * the extraction queue (feature extraction, which reads the corpus folder), each unless disabled.
 * The Temporal SDK's own logs are routed into pino.
 */
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import type { StackSettings } from '../../configs/schema/stack-settings';
import type { Logger } from '../../logging/logger';
import { repoRoot } from '../paths';
import { connectWorker } from './connection';

export const workflowsPath = join(repoRoot, 'workflows', 'index.ts');

/**
 * Concurrent heavy activities per worker process unless told otherwise (`--compute-concurrency`):
 * TensorFlow already uses every core for one op, and two let a GAN training and evaluations interleave.
 */
export const DEFAULT_COMPUTE_CONCURRENCY = 2;

let runtimeInstalled = false;

/**
 * Messages of the SDK that need nobody's action, logged at debug: a compute-only worker has no
 * workflows by design; a progress query whose task expired while a busy worker ran a workflow task
 * ("Query not found when attempting to respond to it", from the Rust core) is answered by the
 * follower's next poll.
 */
const EXPECTED = [/^No workflows registered/, /^Query not found when attempting to respond/];

/**
 * Routes the SDK's logs into the pino logger, once per process. `forwardCore`: the Rust core's
 * too (else it prints its warnings to stderr itself). Only for a process that ends with
 * process.exit, as the serflow command does: forwarding keeps a native handle that holds the
 * event loop open, so a process that stops its workers and waits for the loop to drain (every
 * test file with workers) would never end.
 */
export function installRuntimeLogging(logger: Logger, forwardCore = false): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
  };
  const sdk = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const level = EXPECTED.some((pattern) => pattern.test(entry.message)) ? 'debug' : levels[entry.level];
      sdk[level]({ ...(entry.meta ?? {}) }, entry.message);
    }),
    ...(forwardCore ? { telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } } : {}),
  });
}

/** The task queues a process polls (temporal.yaml taskQueues). */
export interface WorkerQueues {
  orchestration: boolean;
  compute: boolean;
  extraction: boolean;
}

export const ALL_QUEUES: WorkerQueues = { orchestration: true, compute: true, extraction: true };

export interface WorkerProcessOptions {
  settings: StackSettings;
  logger: Logger;
  /** Activities served by this process, by name. */
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
  /**
   * Which queues this process polls; all three by default. A process without the corpus folder
   * leaves out `extraction`: it then never takes an extraction it cannot do.
   */
  queues?: WorkerQueues;
  /**
   * Concurrent heavy activities per process; DEFAULT_COMPUTE_CONCURRENCY (2) by default. The
   * extraction queue's worker takes as many extractions at once (a separate slot count).
   */
  maxConcurrentComputeActivities?: number;
  maxConcurrentShortActivities?: number;
  /** Time in-flight activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: string;
  /** A pre-built workflow bundle (tests build it once). */
  workflowBundle?: { code: string };
  /** Route the Rust core's logs into `logger` too (installRuntimeLogging says when that is safe). */
  forwardCoreLogs?: boolean;
}

export async function createWorkers(options: WorkerProcessOptions): Promise<Worker[]> {
  installRuntimeLogging(options.logger, options.forwardCoreLogs);
  const { settings } = options;
  const connection = await connectWorker(settings);
  const queues = options.queues ?? ALL_QUEUES;
  const workers: Worker[] = [];
  const common = {
    connection,
    namespace: settings.temporal.namespace,
    activities: options.activities,
    shutdownGraceTime: (options.shutdownGraceTime ?? '10s') as '10s',
  };
  if (queues.orchestration) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: settings.temporal.taskQueues.orchestration,
        ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
        maxConcurrentActivityTaskExecutions: options.maxConcurrentShortActivities ?? 4,
      }),
    );
  }
  if (queues.compute) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: settings.temporal.taskQueues.compute,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentComputeActivities ?? DEFAULT_COMPUTE_CONCURRENCY,
      }),
    );
  }
  if (queues.extraction) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: settings.temporal.taskQueues.extraction,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentComputeActivities ?? DEFAULT_COMPUTE_CONCURRENCY,
      }),
    );
  }
  return workers;
}

/** Runs the workers until all stop (a signal, or `shutdown()`); rejects if any fails. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
