/**
 * The per-epoch losses of the GAN runs of one fold, read back from MLflow metric histories
 * (`loss/<term>` for the mean over classes, `<class>/<term>` per class; step = epoch).
 */
import { LOSS_NAMES } from '../compute/cyclegan/training-report';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { LossPoint } from './charts/gan-loss-curves';
import { MEAN_SERIES } from './charts/gan-loss-curves';
import type { GanRunRecord } from './experiment-record';

/** Histories are fetched this many at a time: enough to hide latency, gentle on the server. */
const CONCURRENCY = 4;

export async function loadGanLossPoints(mlflow: MlflowClient, runs: readonly GanRunRecord[], classes: readonly string[]): Promise<LossPoint[]> {
  const jobs: { run: GanRunRecord; term: string; key: string; series: string }[] = [];
  for (const run of runs) {
    for (const term of LOSS_NAMES) {
      // Only keys the run has: a 'ce' run logs gp as 0, and an older run may lack per-class keys.
      if (run.metrics.has(`loss/${term}`)) jobs.push({ run, term, key: `loss/${term}`, series: MEAN_SERIES });
      for (const cls of classes) if (run.metrics.has(`${cls}/${term}`)) jobs.push({ run, term, key: `${cls}/${term}`, series: cls });
    }
  }
  const points: LossPoint[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as (typeof jobs)[number];
      for (const m of await mlflow.getMetricHistory(job.run.runId, job.key)) {
        points.push({ loss: job.run.loss, term: job.term, series: job.series, epoch: m.step, value: m.value });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  return points.sort((a, b) => a.loss.localeCompare(b.loss) || a.term.localeCompare(b.term) || a.series.localeCompare(b.series) || a.epoch - b.epoch);
}
