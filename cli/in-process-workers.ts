/**
 * Workers inside the CLI process, so that `serflow run` needs no separate worker on one
 * machine. They stop when the command ends; the workflow itself lives on in Temporal and
 * `serflow resume` (or any worker) continues it.
 */
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { StackSettings } from '../configs/schema/stack-settings';
import { createRuntimeDeps } from '../infra/runtime-deps';
import { createWorkers } from '../infra/temporal/worker';
import { logger } from '../logging/logger';

export interface InProcessWorkers {
  stop(): Promise<void>;
}

export async function startInProcessWorkers(settings: StackSettings): Promise<InProcessWorkers> {
  const workers: Worker[] = await createWorkers({ settings, logger, activities: createActivities(createRuntimeDeps(settings)) });
  const running = Promise.all(workers.map((w) => w.run()));
  running.catch((err: unknown) => logger.error({ err }, 'worker failed'));
  return {
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running.catch(() => undefined);
    },
  };
}
