/**
 * The workers `serflow run` and `sweep` bring along on one machine: workflows and light
 * activities in this process, and heavy activities (features, GAN training, evaluations) in
 * child `serflow worker --queues compute,extraction` processes, one per core. The split matters: tfjs
 * compute is synchronous, and in the same process it would block the event loop that completes
 * workflow tasks. One child per core because a compute process runs its activities on one
 * JavaScript thread: small networks (a 2 x 256 GAN, the DNN) spend most of their time in that
 * thread, so two activities in one process share one core. They stop when the command ends; the
 * workflow itself lives on in Temporal, and `serflow resume` (or any worker) continues it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Worker } from '@temporalio/worker';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { repoRoot } from '../../infra/paths';
import { createWorkerActivities } from '../../composition/worker-activities';
import { createWorkers } from '../../infra/temporal/worker';
import { logger } from '../../logging/logger';
import { InputError } from '../../foundation/errors';
import { forwardChildStderr } from './child-stderr';

export interface InProcessWorkers {
  /**
   * Settles when the workers stop running on their own: the Temporal runtime shuts them down on
   * SIGINT, SIGTERM, SIGQUIT and SIGUSR2, or a worker fails.
   */
  ended: Promise<void>;
  stop(): Promise<void>;
}

/** Compute worker processes to start: SERFLOW_COMPUTE_WORKERS, else one per core. */
export function computeWorkerCount(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = env.SERFLOW_COMPUTE_WORKERS;
  if (raw === undefined || raw === '') return Math.max(1, cores);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new InputError({ field: 'SERFLOW_COMPUTE_WORKERS', reason: `is '${raw}', not a whole number >= 0`, fix: 'set it to the number of compute worker processes to start (0: none, use separate `serflow worker`s), or unset it for one per core' });
  }
  return n;
}

export async function startInProcessWorkers(settings: StackSettings): Promise<InProcessWorkers> {
  let stopping = false;
  const computes: ChildProcess[] = Array.from({ length: computeWorkerCount() }, () => {
    const compute = spawn(join(repoRoot, 'bin', 'serflow'), ['worker', '--queues', 'compute,extraction', '--exit-with-parent'], {
      stdio: ['ignore', 'inherit', 'pipe'],
      // Its stderr reaches the terminal through a pipe: it prints the pretty lines it would print there.
      env: process.stderr.isTTY && process.env.SERFLOW_LOG_PRETTY === undefined ? { ...process.env, SERFLOW_LOG_PRETTY: '1' } : process.env,
    });
    forwardChildStderr(compute.stderr as Readable);
    compute.on('exit', (code, signal) => {
      if (!stopping) logger.warn({ code, signal }, 'a compute worker process ended; heavy activities wait until a worker polls the compute queue');
    });
    return compute;
  });
  const workers: Worker[] = await createWorkers({
    // The serflow command ends with process.exit (cli/main.ts): the core's logs can come through pino.
    forwardCoreLogs: true,
    settings, logger, activities: (await createWorkerActivities(settings, 'orchestration')).activities, queues: { orchestration: true, compute: false, extraction: false },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  running.catch((err: unknown) => logger.error({ err }, 'worker failed'));
  return {
    ended: running.then(() => undefined, () => undefined),
    async stop() {
      stopping = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      const exited = computes.map((compute) => new Promise<void>((resolve) => (compute.exitCode !== null || compute.signalCode !== null ? resolve() : compute.once('exit', () => resolve()))));
      for (const compute of computes) compute.kill('SIGTERM');
      await Promise.all([running.catch(() => undefined), ...exited]);
    },
  };
}
