/**
 * `serflow worker`: a long-running worker process. By default it polls all three task queues; a
 * deployment routes heavy work to bigger machines with `--queues compute` there and
 * `--queues orchestration` elsewhere, and feature extraction to the machines that have the corpus
 * folder with `--queues extraction` (or `compute,extraction`) there. The queues are those of its artifact store
 * (composition/store-routing.ts); experiments running on another store's queues are named in
 * one line, with the fix (cli/diagnostics/store-mismatch.ts).
 */
import { loadStackSettings } from '../../infra/stack-settings';
import { connectClient } from '../../infra/temporal/connection';
import { routedByStore } from '../../composition/store-routing';
import { createWorkerActivities } from '../../composition/worker-activities';
import { ALL_QUEUES, createWorkers, runWorkers, type WorkerQueues } from '../../infra/temporal/worker';
import { logger } from '../../logging/logger';
import { ExitCode } from '../exit-codes';
import { watchForeignStores } from '../diagnostics/store-mismatch';

export interface WorkerCommandOptions {
  queues: string | undefined;
  computeConcurrency: number | undefined;
  shortConcurrency: number | undefined;
  /** Shut down when the parent process is gone (workers that `serflow run` starts). */
  exitWithParent?: boolean;
}

const QUEUE_NAMES = ['orchestration', 'compute', 'extraction'] as const;

/** `--queues a,b`: the named queues; none named: all three. */
export function parseQueues(value: string | undefined): WorkerQueues {
  if (!value) return { ...ALL_QUEUES };
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`--queues: unknown queue(s) ${unknown.join(', ')}. Fix: use orchestration, compute, extraction, or several separated by commas`);
  return { orchestration: names.includes('orchestration'), compute: names.includes('compute'), extraction: names.includes('extraction') };
}

export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const configured = loadStackSettings();
  const queues = parseQueues(options.queues);
  const { deps, activities } = await createWorkerActivities(configured, 'all');
  const store = await deps.store.identity();
  const settings = routedByStore(configured, store);
  const workers = await createWorkers({
    // The serflow command ends with process.exit (cli/main.ts): the core's logs can come through pino.
    forwardCoreLogs: true,
    settings, logger, activities, queues,
    ...(options.computeConcurrency ? { maxConcurrentComputeActivities: options.computeConcurrency } : {}),
    ...(options.shortConcurrency ? { maxConcurrentShortActivities: options.shortConcurrency } : {}),
  });
  logger.info({ queues, taskQueues: settings.temporal.taskQueues, store, temporal: settings.temporal.address }, 'worker started');
  const client = await connectClient(settings);
  const stopWatching = watchForeignStores(client, settings, store, logger);
  if (options.exitWithParent) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        logger.warn('parent process gone: shutting down');
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        clearInterval(watch);
      }
    }, 1000);
    watch.unref();
  }
  try {
    await runWorkers(workers);
  } finally {
    stopWatching();
    await client.connection.close();
  }
  return ExitCode.ok;
}
