/**
 * The workers `serflow run` and `sweep` bring along on one machine: workflows and light
 * activities in this process, and heavy activities (features, GAN training, evaluations) in a
 * child `serflow worker --queues compute` process. The split matters: tfjs compute is
 * synchronous, and in the same process it would block the event loop that completes workflow
 * tasks. They stop when the command ends; the workflow itself lives on in Temporal, and
 * `serflow resume` (or any worker) continues it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { StackSettings } from '../configs/schema/stack-settings';
import { repoRoot } from '../infra/paths';
import { createWorkerActivities } from '../composition/worker-activities';
import { createWorkers } from '../infra/temporal/worker';
import { logger } from '../logging/logger';

export interface InProcessWorkers {
  /**
   * Settles when the workers stop running on their own: the Temporal runtime shuts them down on
   * SIGINT, SIGTERM, SIGQUIT and SIGUSR2, or a worker fails.
   */
  ended: Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessWorkers(settings: StackSettings): Promise<InProcessWorkers> {
  const compute: ChildProcess = spawn(join(repoRoot, 'bin', 'serflow'), ['worker', '--queues', 'compute', '--exit-with-parent'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  compute.on('exit', (code, signal) => {
    if (!stopping) logger.warn({ code, signal }, 'the compute worker process ended; heavy activities wait until a worker polls the compute queue');
  });
  let stopping = false;
  const workers: Worker[] = await createWorkers({
    settings, logger, activities: (await createWorkerActivities(settings, 'orchestration')).activities, queues: { orchestration: true, compute: false },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  running.catch((err: unknown) => logger.error({ err }, 'worker failed'));
  return {
    ended: running.then(() => undefined, () => undefined),
    async stop() {
      stopping = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      const exited = new Promise<void>((resolve) => (compute.exitCode !== null || compute.signalCode !== null ? resolve() : compute.once('exit', () => resolve())));
      compute.kill('SIGTERM');
      await Promise.all([running.catch(() => undefined), exited]);
    },
  };
}
