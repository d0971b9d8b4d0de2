/**
 * Orchestration overhead: the same experiment (a config, by default configs/quick.yaml cut to
 * --max-folds folds) run through Temporal (the real workflows, an in-process orchestration worker
 * and a compute worker process, as `serflow run` does) and called in-process without Temporal
 * (the same activity functions, issued by the workflows' own runExperiment and runFold in the same
 * order, at most DEFAULT_COMPUTE_CONCURRENCY compute activities at a time as on a compute worker,
 * under Temporal's mock activity context: bench/in-process-activities.ts). Each run starts from an
 * empty store, so nothing is memoised.
 *   npx tsx bench/orchestration-overhead.ts [--config configs/quick.yaml] [--max-folds 1] [--repeats 1]
 * Needs the stack (`serflow stack up`). Prints a table and writes bench/output/orchestration-overhead.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { hashOf } from '../configs/canonical-json';
import { loadExperimentConfig } from '../configs/load/experiment-config';
import { loadStackSettings } from '../infra/stack-settings';
import { repoRoot } from '../infra/paths';
import { DEFAULT_COMPUTE_CONCURRENCY } from '../infra/temporal/worker';
import { orchestrationSettings } from '../composition/orchestration-settings';
import { createRuntimeDeps } from '../composition/runtime-deps';
import { logger } from '../logging/logger';
import type { ExperimentWorkflowInput } from '../workflows/experiment';
import { option, stats } from './bench-kit';
import { inProcessActivities, runExperimentInProcess } from './in-process-activities';

async function inProcess(configFile: string, maxFolds: number, experimentName: string): Promise<number> {
  process.env.SERFLOW_STATE = mkdtempSync(join(tmpdir(), 'serflow-bench-state-'));
  const settings = loadStackSettings();
  const activities = inProcessActivities(createActivities(createRuntimeDeps(settings, logger.child({ bench: 'in-process' }))), DEFAULT_COMPUTE_CONCURRENCY);
  const { config: loaded, configDir } = loadExperimentConfig(configFile);
  const config = { ...loaded, protocol: { ...loaded.protocol, maxFolds } };
  const input: ExperimentWorkflowInput = { config, configHash: hashOf(config), configDir, mlflowExperiment: experimentName, orchestration: orchestrationSettings(settings) };
  const start = performance.now();
  await runExperimentInProcess(input, activities, 'in-process');
  return (performance.now() - start) / 1000;
}

function throughTemporal(configFile: string, maxFolds: number, experimentName: string): number {
  // A copy of the config with the fold budget and its own MLflow experiment, run as a user would.
  const { config } = loadExperimentConfig(configFile);
  const dir = mkdtempSync(join(tmpdir(), 'serflow-bench-config-'));
  const file = join(dir, 'config.json');
  const corpus = { ...config.corpus, path: join(repoRoot, 'configs', config.corpus.path) };
  writeFileSync(file, JSON.stringify({ ...config, corpus, protocol: { ...config.protocol, maxFolds }, tracking: { experiment: experimentName } }));
  const start = performance.now();
  const res = spawnSync(join(repoRoot, 'bin', 'serflow'), ['run', file, '--json'], {
    env: { ...process.env, SERFLOW_STATE: mkdtempSync(join(tmpdir(), 'serflow-bench-state-')), SERFLOW_LOG_LEVEL: 'warn' },
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`serflow run failed (${res.status})`);
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const configFile = option('config', join(repoRoot, 'configs', 'quick.yaml'));
  const maxFolds = Number(option('max-folds', '1'));
  const repeats = Number(option('repeats', '1'));
  const stamp = Date.now();
  const temporal: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // Alternate the order so that drift in machine load does not favour one side.
    if (r % 2 === 0) {
      temporal.push(throughTemporal(configFile, maxFolds, `bench-temporal-${stamp}-${r}`));
      direct.push(await inProcess(configFile, maxFolds, `bench-direct-${stamp}-${r}`));
    } else {
      direct.push(await inProcess(configFile, maxFolds, `bench-direct-${stamp}-${r}`));
      temporal.push(throughTemporal(configFile, maxFolds, `bench-temporal-${stamp}-${r}`));
    }
  }
  const t = stats(temporal);
  const d = stats(direct);
  const overhead = (100 * (t.median - d.median)) / d.median;
  const table = [
    `orchestration overhead: ${configFile}, ${maxFolds} fold(s), ${repeats} repeat(s), load average ${loadavg()[0]?.toFixed(1)}`,
    '| path | min s | median s | max s |', '|---|---|---|---|',
    `| through Temporal (serflow run, incl. CLI start-up) | ${t.min.toFixed(1)} | ${t.median.toFixed(1)} | ${t.max.toFixed(1)} |`,
    `| in-process (same activities, no Temporal) | ${d.min.toFixed(1)} | ${d.median.toFixed(1)} | ${d.max.toFixed(1)} |`,
    `overhead (median): ${overhead.toFixed(1)} %`,
  ].join('\n');
  process.stdout.write(table + '\n');
  mkdirSync(join(repoRoot, 'bench', 'output'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'output', 'orchestration-overhead.json'), JSON.stringify({ configFile, maxFolds, temporal, direct, overheadPercent: overhead }, null, 2));
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
