/**
 * `serflow worker`: a long-running worker process. By default it polls both task queues; a
 * deployment routes heavy work to bigger machines with `--queues compute` there and
 * `--queues orchestration` elsewhere.
 */
import { loadStackSettings } from '../infra/stack-settings';
import { createWorkerActivities } from '../composition/worker-activities';
import { createWorkers, runWorkers } from '../infra/temporal/worker';
import { logger } from '../logging/logger';
import { ExitCode } from './exit-codes';

export interface WorkerCommandOptions {
  queues: string | undefined;
  computeConcurrency: number | undefined;
  shortConcurrency: number | undefined;
  /** Shut down when the parent process is gone (workers that `serflow run` starts). */
  exitWithParent?: boolean;
}

export function parseQueues(value: string | undefined): { orchestration: boolean; compute: boolean } {
  if (!value) return { orchestration: true, compute: true };
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => n !== 'orchestration' && n !== 'compute');
  if (unknown.length) throw new Error(`--queues: unknown queue(s) ${unknown.join(', ')}. Fix: use orchestration, compute, or both separated by a comma`);
  return { orchestration: names.includes('orchestration'), compute: names.includes('compute') };
}

export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const settings = loadStackSettings();
  const queues = parseQueues(options.queues);
  const { deps, activities } = await createWorkerActivities(settings, 'all');
  const workers = await createWorkers({
    settings, logger, activities, queues,
    ...(options.computeConcurrency ? { maxConcurrentComputeActivities: options.computeConcurrency } : {}),
    ...(options.shortConcurrency ? { maxConcurrentShortActivities: options.shortConcurrency } : {}),
  });
  logger.info({ queues, store: deps.store.description, temporal: settings.temporal.address }, 'worker started');
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
  await runWorkers(workers);
  return ExitCode.ok;
}
