/**
 * What the fleet's storage costs (issue 31, infra/multi-machine.md): Optuna's ask/tell round
 * trip and MLflow's metric logging on PostgreSQL (the fleet of infra/fleet/up.sh) against SQLite,
 * in the same run, with 1 to N concurrent writers (the workers of a fleet).
 *
 *   bash infra/fleet/up.sh && npx tsx bench/fleet-storage.ts [--writers 1,2,4,8] [--trials 20] [--batches 20]
 *
 * Optuna: each writer is its own Python process (tracking/optuna/optuna_study.py, as every
 * worker has one) asking and telling `--trials` trials of one shared study (random sampler, two
 * parameters): milliseconds per ask+tell, trials per second over all writers, failed calls.
 * Storages: the fleet's PostgreSQL and a SQLite file under .state/fleet/bench.
 *
 * MLflow: each writer logs `--batches` batches of 50 metric points (log-batch, as a GAN's epoch
 * figures go) to a run of its own: points per second over all writers, milliseconds per batch.
 * Servers: the fleet's (PostgreSQL backend) and one started here on 127.0.0.1:26001 with a SQLite
 * backend, both `--workers 2 --serve-artifacts`, the stack's own settings.
 *
 * Prints a table; writes bench/output/fleet-storage.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { mlflowCli, pythonBin, repoRoot } from '../infra/paths';
import { OptunaStudies, type StudySpec } from '../tracking/optuna/optuna-studies';
import { MlflowClient } from '../tracking/mlflow-client';
import { option, stats } from './bench-kit';

const writerCounts = option('writers', '1,2,4,8').split(',').map(Number);
const trials = Number(option('trials', '20'));
const batches = Number(option('batches', '20'));
const POINTS_PER_BATCH = 50;
const PG_OPTUNA = process.env.SERFLOW_FLEET_OPTUNA_STORAGE ?? 'postgresql+psycopg://serflow:serflow@127.0.0.1:26432/optuna';
const PG_MLFLOW = 'http://127.0.0.1:26000';
const SQLITE_MLFLOW_PORT = 26001;
const benchDir = join(repoRoot, '.state', 'fleet', 'bench');
const tag = Date.now().toString(36);

interface Row { store: string; backend: string; writers: number; perCallMs: { min: number; median: number; max: number }; throughput: number; unit: string; failed: number; wallS: number }

async function optunaRow(backend: string, storage: string, writers: number): Promise<Row> {
  const spec: StudySpec = { study: `bench-${tag}-${backend}-${writers}`, directions: ['maximize'], sampler: { kind: 'random', seed: 7 }, pruner: { kind: 'none' } };
  const space = { x: { uniform: [0, 1] as [number, number] }, c: { logUniform: [0.01, 10] as [number, number] } };
  const clients = Array.from({ length: writers }, () => new OptunaStudies({ python: pythonBin(), script: join(repoRoot, 'tracking', 'optuna', 'optuna_study.py'), storage }));
  // Start every Python process and create the study before timing.
  await clients[0]?.check(spec);
  await Promise.all(clients.map((c) => c.studies()));
  const times: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c, w) => {
    for (let i = 0; i < trials; i++) {
      const start = performance.now();
      try {
        const trial = await c.ask(spec, w * trials + i, space);
        await c.tell(spec, trial.number, { state: 'complete', values: [Math.random()] });
        times.push(performance.now() - start);
      } catch (err) {
        failed++;
        if (failed <= 3) console.error(`[fleet-storage] optuna ${backend} x${writers}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }));
  const wallS = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return { store: 'optuna ask+tell', backend, writers, perCallMs: stats(times.length ? times : [NaN]), throughput: times.length / wallS, unit: 'trials/s', failed, wallS };
}

async function mlflowRow(backend: string, url: string, writers: number): Promise<Row> {
  const mlflow = new MlflowClient({ baseUrl: url, auth: null });
  const experimentId = await mlflow.createExperiment(`bench-fleet-storage-${tag}-${writers}`);
  const runs = await Promise.all(Array.from({ length: writers }, (_, w) => mlflow.createRun({ experimentId, runName: `writer-${w}` })));
  const times: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(runs.map(async (run) => {
    for (let b = 0; b < batches; b++) {
      const metrics = Array.from({ length: POINTS_PER_BATCH }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), step: b * 5 + Math.floor(i / 10), timestamp: Date.now() }));
      const start = performance.now();
      try {
        await mlflow.logBatch(run.info.run_id, { metrics });
        times.push(performance.now() - start);
      } catch (err) {
        failed++;
        if (failed <= 3) console.error(`[fleet-storage] mlflow ${backend} x${writers}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }));
  const wallS = (performance.now() - t0) / 1000;
  return { store: 'mlflow log-batch', backend, writers, perCallMs: stats(times.length ? times : [NaN]), throughput: (times.length * POINTS_PER_BATCH) / wallS, unit: 'points/s', failed, wallS };
}

async function healthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  rmSync(benchDir, { recursive: true, force: true });
  mkdirSync(join(benchDir, 'artifacts'), { recursive: true });
  await healthy(PG_MLFLOW, 10_000).catch(() => {
    throw new Error('the fleet is not up. Fix: bash infra/fleet/up.sh');
  });
  // MLflow on SQLite, configured as the stack's own (infra/stack/servers.ts).
  const sqliteServer = spawn(mlflowCli(), ['server', '--host', '127.0.0.1', '--port', String(SQLITE_MLFLOW_PORT), '--backend-store-uri', `sqlite:///${join(benchDir, 'mlflow.db')}`,
    '--serve-artifacts', '--artifacts-destination', join(benchDir, 'artifacts'), '--workers', '2'], {
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' }, stdio: 'ignore', detached: true,
  });
  const sqliteUrl = `http://127.0.0.1:${SQLITE_MLFLOW_PORT}`;
  const rows: Row[] = [];
  try {
    await healthy(sqliteUrl, 180_000);
    for (const writers of writerCounts) {
      rows.push(await optunaRow('postgresql', PG_OPTUNA, writers));
      rows.push(await optunaRow('sqlite', `sqlite:///${join(benchDir, 'optuna.sqlite')}`, writers));
      rows.push(await mlflowRow('postgresql', PG_MLFLOW, writers));
      rows.push(await mlflowRow('sqlite', sqliteUrl, writers));
    }
  } finally {
    if (sqliteServer.pid) process.kill(-sqliteServer.pid, 'SIGTERM');
  }
  const cpu = cpus()[0]?.model ?? '?';
  console.log(`fleet storage, ${cpus().length} cores (${cpu}), load ${loadavg()[0]?.toFixed(2)} at the end; ${trials} trials / ${batches} batches of ${POINTS_PER_BATCH} points per writer`);
  console.log('| what | backend | writers | ms per call (min / median / max) | throughput | failed |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.store} | ${r.backend} | ${r.writers} | ${r.perCallMs.min.toFixed(1)} / ${r.perCallMs.median.toFixed(1)} / ${r.perCallMs.max.toFixed(1)} | ${r.throughput.toFixed(1)} ${r.unit} | ${r.failed} |`);
  }
  mkdirSync(join(repoRoot, 'bench', 'output'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'output', 'fleet-storage.json'), JSON.stringify({ cpu, cores: cpus().length, trials, batches, pointsPerBatch: POINTS_PER_BATCH, rows }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
