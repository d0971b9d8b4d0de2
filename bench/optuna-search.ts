/**
 * Adaptive search against random search, and what an Optuna trial costs the orchestration.
 *
 *   npx tsx bench/optuna-search.ts [--trials 16] [--seeds 1,2,3] [--max-folds 4] [--speakers 10]
 *                                  [--gan false] [--overhead-trials 10] [--search true]
 *
 * Search: the same sweep space run as an optuna sweep (the workflow, in-process workers on task
 * queues of its own) with TPE + median pruner and with random sampling and no pruner, the same
 * trial budget, for each seed; a trial's score is the objective cell's inner-CV validation UAR.
 * Compute spent is counted in outer folds run (a pruned trial stops early), and in GAN epochs
 * with --gan true (space gan.lambdaCls, gan.lr, noise.sigma, svm.C over cycle-GAN + SVM; without
 * it, noise.sigma and svm.C over noise + SVM, minutes instead of hours on 2 cores). Every run has
 * its own store (no memo shared between strategies) and its own study.
 *
 * Overhead: one trial's ask, 4 reports and tell through the activities (the Python process per
 * call, Optuna's SQLite storage, the MLflow writes), without an experiment, --overhead-trials
 * times; milliseconds per call and per trial.
 *
 * Needs the stack (`serflow stack up`). Prints tables; writes bench/output/optuna-search.json
 * and the plot bench/output/optuna-search.svg / .png (best validation UAR against folds spent);
 * optuna-search-gan.* with --gan true.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createActivities } from '../activities';
import { createOptunaActivities } from '../activities/optuna-activities';
import { optunaSweepInput } from '../cli/commands/optuna-sweep-launch';
import { createRuntimeDeps } from '../composition/runtime-deps';
import { loadSweepConfig } from '../configs/load/sweep-config';
import type { StackSettings } from '../configs/schema/stack-settings';
import { repoRoot } from '../infra/paths';
import { loadStackSettings } from '../infra/stack-settings';
import { connectClient } from '../infra/temporal/connection';
import { createWorkers } from '../infra/temporal/worker';
import { logger } from '../logging/logger';
import { VEGA_LITE_SCHEMA } from '../report/chart-spec';
import { renderChart } from '../report/render-chart';
import { optunaSweepWorkflow, type TrialOutcome } from '../workflows/optuna-sweep';
import { option, stats } from './bench-kit';

const trials = Number(option('trials', '16'));
const seeds = option('seeds', '1,2,3').split(',').map(Number);
const maxFolds = Number(option('max-folds', '4'));
const speakers = Number(option('speakers', '10'));
const withGan = option('gan', 'false') === 'true';
const overheadTrials = Number(option('overhead-trials', '10'));
/** false: the overhead part only. */
const search = option('search', 'true') === 'true';
/** The output files' name: the GAN space's results do not overwrite the noise space's. */
const outName = withGan ? 'optuna-search-gan' : 'optuna-search';
const emodb = resolve(process.env.SERFLOW_EMODB ?? join(repoRoot, '..', 'shared', 'emodb', 'wav'));

/** The GANs of a fold: one per class (the base config's five labels), each trained this many epochs. */
const GAN_CLASSES = 5;
const GAN_EPOCHS = { pretrain: 1, adversarial: 4 };

const STRATEGIES = [
  // TPE models the trials told after its startup trials (Optuna's default of 10 would leave a small budget random).
  { name: 'tpe+median', sampler: '{ kind: tpe, startupTrials: 4 }', pruner: '{ kind: median, startupTrials: 2 }' },
  { name: 'random', sampler: 'random', pruner: 'none' },
] as const;

/** A manifest of the first `speakers` EMO-DB speakers (links: a manifest's paths stay inside its folder). */
function writeCorpus(dir: string): void {
  mkdirSync(join(dir, 'wav'));
  const files = readdirSync(emodb).filter((f) => f.endsWith('.wav')).sort();
  const kept = [...new Set(files.map((f) => f.slice(0, 2)))].sort().slice(0, speakers);
  const emotions: Record<string, string> = { W: 'anger', L: 'boredom', E: 'disgust', A: 'fear', F: 'happiness', T: 'sadness', N: 'neutral' };
  const rows = files.filter((f) => kept.includes(f.slice(0, 2))).map((f) => {
    symlinkSync(join(emodb, f), join(dir, 'wav', f));
    return `wav/${f},${emotions[f[5] as string] ?? 'neutral'},${f.slice(0, 2)}`;
  });
  writeFileSync(join(dir, 'manifest.csv'), ['path,label,speaker', ...rows].join('\n') + '\n');
}

function writeSweep(dir: string, strategy: (typeof STRATEGIES)[number], seed: number): string {
  writeFileSync(join(dir, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv, labels: [anger, sadness, happiness, neutral, fear] }',
    'features: { extractor: opensmile, set: eGeMAPSv02 }',
    `protocol: { folds: { kind: loso }, repeats: 1, seed: 11, maxFolds: ${maxFolds}, selection: { folds: { kind: grouped-kfold, k: 3 } } }`,
    withGan ? 'methods: [{ method: cyclegan, loss: wdiv }]' : 'methods: [noise]', 'amounts: [1.0]', 'classifiers: [svm]',
    `gan: { hidden: [32], discriminatorHidden: [16], patchSize: 22, pretrainEpochs: ${GAN_EPOCHS.pretrain}, epochs: ${GAN_EPOCHS.adversarial}, checkpointEvery: 2, classifier: { hidden: [8], epochs: 5 } }`,
  ].join('\n'));
  const space = withGan
    ? ['    gan.lambdaCls: { logUniform: [0.1, 10] }', '    gan.lr: { logUniform: [0.00005, 0.002] }', '    svm.C: { logUniform: [0.0001, 10] }']
    : ['    noise.sigma: { uniform: [0.01, 2] }', '    svm.C: { logUniform: [0.0001, 10] }'];
  writeFileSync(join(dir, 'sweep.yaml'), [
    `name: bench-${strategy.name.replace('+', '-')}-${seed}`, 'base: base.yaml',
    'search:', '  kind: optuna', `  sampler: ${strategy.sampler}`, `  trials: ${trials}`, `  seed: ${seed}`, `  pruner: ${strategy.pruner}`, '  space:', ...space,
    `objective: { cell: ${withGan ? 'cyclegan-wdiv' : 'noise'}/ratio-1/svm }`, 'concurrency: 1',
  ].join('\n'));
  return join(dir, 'sweep.yaml');
}

interface SearchRun {
  strategy: string;
  seed: number;
  seconds: number;
  /** Per trial in slot order: folds run, GAN epochs, state, objective, best so far. */
  trials: { slot: number; state: string; folds: number; objective: number | null; bestSoFar: number | null; foldsSpent: number }[];
}

async function runSearch(settings: StackSettings, strategy: (typeof STRATEGIES)[number], seed: number, tag: string): Promise<SearchRun> {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-bench-optuna-'));
  writeCorpus(dir);
  const { input, workflowId } = optunaSweepInput(loadSweepConfig(writeSweep(dir, strategy, seed)), settings);
  input.study = { ...input.study, study: `${input.study.study}-${tag}` };
  input.mlflowExperiment = `bench-optuna-${tag}`;
  const client = await connectClient(settings);
  const started = Date.now();
  const outcomes: TrialOutcome[] = (await client.workflow.execute(optunaSweepWorkflow, { workflowId: `${workflowId}-${tag}`, taskQueue: settings.temporal.taskQueues.orchestration, args: [input] })).outcomes;
  const seconds = (Date.now() - started) / 1000;
  await client.connection.close();
  let best: number | null = null;
  let spent = 0;
  return {
    strategy: strategy.name, seed, seconds,
    trials: outcomes.map((o) => {
      spent += o.foldsDone ?? 0;
      if (o.state === 'complete' && o.objectiveValues) best = Math.max(best ?? -Infinity, o.objectiveValues[0] as number);
      return { slot: o.slot, state: o.state, folds: o.foldsDone ?? 0, objective: o.objectiveValues?.[0] ?? null, bestSoFar: best, foldsSpent: spent };
    }),
  };
}

/** ask + 4 reports + tell through the activities, without an experiment: the orchestration's own cost per trial. */
async function overhead(settings: StackSettings, tag: string): Promise<Record<string, { min: number; median: number; max: number }>> {
  const deps = createRuntimeDeps(settings, logger.child({ bench: 'optuna-overhead' }));
  const activities = createOptunaActivities(deps);
  const experiment = await deps.mlflow.ensureExperiment(`bench-optuna-overhead-${tag}`);
  const { run: sweepRun } = await deps.runs.ensureRun({ experimentId: experiment.experiment_id, key: `sweep/overhead-${tag}`, name: 'overhead' });
  const study = { study: `overhead-${tag}`, directions: ['maximize' as const], sampler: { kind: 'tpe' as const, seed: 1 }, pruner: { kind: 'median' as const } };
  const base = { name: 'b', corpus: { kind: 'emodb', path: 'wav' }, features: { extractor: 'table', path: 'f.csv' }, methods: ['noise'], classifiers: ['svm'] };
  const space = { 'svm.C': { logUniform: [0.001, 10] as [number, number] }, 'noise.sigma': { uniform: [0.01, 1] as [number, number] } };
  const ms: Record<string, number[]> = { ask: [], report: [], tell: [], trial: [] };
  for (let slot = 0; slot < overheadTrials; slot++) {
    const { run } = await deps.runs.ensureRun({ experimentId: experiment.experiment_id, key: `trial/overhead-${tag}-${slot}`, name: `trial ${slot}`, parentRunId: sweepRun.info.run_id });
    const t0 = performance.now();
    const asked = await activities.askTrial({ study, slot, space, base, sweepName: 'overhead' });
    const t1 = performance.now();
    ms.ask?.push(t1 - t0);
    for (let step = 1; step <= 4; step++) {
      const r0 = performance.now();
      await activities.reportTrialStep({ study, trial: asked.number, step, value: 0.5 + 0.01 * ((slot * 7 + step) % 5), runId: run.info.run_id, metricKey: 'trial/running_validation_uar' });
      ms.report?.push(performance.now() - r0);
    }
    const t2 = performance.now();
    await activities.tellTrial({ study, trial: asked.number, end: { state: 'complete', values: [0.5 + 0.01 * (slot % 5)] }, runId: run.info.run_id, sweepRunId: sweepRun.info.run_id, objectives: [{ name: 'validation_uar', cell: 'noise/ratio-1/svm', metric: 'uar' }] });
    ms.tell?.push(performance.now() - t2);
    ms.trial?.push(performance.now() - t0);
  }
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, stats(v)]));
}

async function main(): Promise<void> {
  const configured = loadStackSettings();
  const tag = `${Date.now().toString(36)}`;
  const load = loadavg()[0];
  console.log(`optuna-search: ${trials} trials, seeds ${seeds.join(',')}, ${maxFolds} folds of ${speakers} speakers, ${withGan ? 'cycle-GAN + SVM' : 'noise + SVM'}; load ${load?.toFixed(1)}`);
  const own: StackSettings = structuredClone(configured);
  own.temporal.taskQueues = { orchestration: `bench-optuna-${tag}`, compute: `bench-optuna-compute-${tag}`, extraction: `bench-optuna-extraction-${tag}` };

  const costs = await overhead(own, tag);
  console.log('\nOrchestration per call (ms): min / median / max');
  for (const [k, s] of Object.entries(costs)) console.log(`  ${k.padEnd(7)} ${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`);

  const runs: SearchRun[] = [];
  for (const seed of search ? seeds : []) {
    for (const strategy of STRATEGIES) {
      // A store per run: no evaluation memoised across strategies.
      process.env.SERFLOW_STATE = mkdtempSync(join(tmpdir(), 'serflow-bench-optuna-state-'));
      // Both queues in this process, over this run's store (no child process to route).
      const workers = await createWorkers({ settings: own, logger, activities: createActivities(createRuntimeDeps(own, logger)) });
      const running = Promise.all(workers.map((w) => w.run()));
      try {
        const run = await runSearch(own, strategy, seed, `${tag}-${strategy.name.replace('+', '-')}-${seed}`);
        runs.push(run);
        const last = run.trials.at(-1);
        console.log(`  ${strategy.name.padEnd(11)} seed ${seed}: best ${last?.bestSoFar?.toFixed(4) ?? '-'} after ${last?.foldsSpent} folds (${run.trials.filter((t) => t.state === 'pruned').length} pruned), ${run.seconds.toFixed(0)} s`);
      } finally {
        for (const w of workers) w.shutdown();
        await running;
      }
    }
  }
  // Equal compute: each strategy's best among the trials it finished within the smaller spend of the two, per seed.
  const equalSpend = (seed: number): number => Math.min(...runs.filter((r) => r.seed === seed).map((r) => r.trials.at(-1)?.foldsSpent ?? 0));
  const bestWithin = (r: SearchRun, folds: number): number | null => r.trials.filter((t) => t.foldsSpent <= folds).at(-1)?.bestSoFar ?? null;
  const ganEpochsPerFold = withGan ? GAN_CLASSES * (GAN_EPOCHS.pretrain + GAN_EPOCHS.adversarial) : 0;
  console.log(`\n| strategy | seed | best validation UAR | folds spent${withGan ? ' | GAN epochs' : ''} | pruned | best within the other's spend | wall s |\n|---|---|---|---|---|---|---|${withGan ? '---|' : ''}`);
  for (const r of runs) {
    const last = r.trials.at(-1);
    const equal = equalSpend(r.seed);
    console.log(`| ${r.strategy} | ${r.seed} | ${last?.bestSoFar?.toFixed(4) ?? '-'} | ${last?.foldsSpent}${withGan ? ` | ${(last?.foldsSpent ?? 0) * ganEpochsPerFold}` : ''} | ${r.trials.filter((t) => t.state === 'pruned').length} | ${bestWithin(r, equal)?.toFixed(4) ?? '-'} (${equal} folds) | ${r.seconds.toFixed(0)} |`);
  }
  mkdirSync(join(repoRoot, 'bench', 'output'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'output', `${outName}.json`), JSON.stringify({ trials, seeds, maxFolds, speakers, withGan, load, overheadMs: costs, runs }, null, 2));
  const chart = await renderChart({
    $schema: VEGA_LITE_SCHEMA, width: 480, height: 300, title: 'Best validation UAR against outer folds spent',
    data: { values: runs.flatMap((r) => r.trials.filter((t) => t.bestSoFar !== null).map((t) => ({ ...t, run: `${r.strategy} seed ${r.seed}`, strategy: r.strategy }))) },
    mark: { type: 'line', point: true, interpolate: 'step-after' },
    encoding: {
      x: { field: 'foldsSpent', type: 'quantitative', title: 'outer folds run (compute spent)' },
      y: { field: 'bestSoFar', type: 'quantitative', title: 'best validation UAR so far', scale: { zero: false } },
      color: { field: 'strategy', type: 'nominal' }, detail: { field: 'run', type: 'nominal' },
    },
  });
  writeFileSync(join(repoRoot, 'bench', 'output', `${outName}.svg`), chart.svg);
  writeFileSync(join(repoRoot, 'bench', 'output', `${outName}.png`), chart.png);
  console.log(`\nwrote bench/output/${outName}.{json,svg,png}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
