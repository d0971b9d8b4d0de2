/**
 * Sweep scaling and memory: the wall time of `serflow sweep` as the number of configurations
 * grows (--sizes, default 1, 2, 4, 8) with 1 or 2 compute worker processes (--workers), the peak
 * RSS of the compute worker processes during each sweep, and tf tensor counts before and after
 * GAN trainings (in-process, per sweep size).
 *
 *   npx tsx bench/sweep-scaling.ts [--sizes 1,2,4,8] [--workers 1,2] [--repeats 2] [--max-folds 2]
 *                                  [--gan-epochs 5] [--axis seed|sigma] [--concurrency 2]
 *
 * Each configuration is a tiny experiment: EMO-DB, eGeMAPSv02, --max-folds LOSO folds, 1 repeat,
 * methods none + noise + cyclegan (wdiv, generators [32, 32]), SVM. The grid runs over
 * protocol.seed by default, so every configuration trains its own GANs and runs its own
 * evaluations (with --axis sigma, over noise.sigma, the configurations share the fold's GAN and
 * the 'none' evaluation through the memo, as a real sigma sweep does).
 *
 * What a measured run is: the sweep runs as a user runs it (`serflow sweep <file> --json`: the
 * workflows in the CLI process, which spawns one `serflow worker --queues compute,extraction` child, as
 * SERFLOW_COMPUTE_WORKERS=1 asks); with
 * W > 1 workers the bench starts W - 1 more `serflow worker --queues compute,extraction` processes and waits
 * until they poll before it starts the clock (their start-up is reported apart). Every run has
 * its own state folder (SERFLOW_STATE: an empty artifact store, so no GAN or evaluation is
 * memoised between runs), its own task queues (a copy of temporal.yaml via SERFLOW_STACK_CONFIG,
 * so no other worker on the shared dev server takes its activities), and its own sweep name and
 * MLflow experiment (so it never attaches to an earlier execution). Features are NOT measured:
 * the eGeMAPS matrix is extracted once into $SERFLOW_STATE/bench/sweep-scaling-features (a memo
 * hit after the first bench run) and copied into every run's store, so each configuration's
 * extractFeatures is a memo hit.
 *
 * Memory: /proc/<pid>/status of the CLI's process tree and of the extra workers, sampled every
 * 250 ms: VmHWM (the kernel's peak RSS) per compute worker, and the largest sum of VmRSS over the
 * compute workers at one sample. Tensor counts: the compute worker does not report them, so the
 * bench runs max(--sizes) configurations in-process one after the other (as
 * bench/orchestration-overhead.ts does: the workflows' runExperiment and runFold over in-process
 * activities, bench/in-process-activities.ts), each cut to its cycle-GAN method and one fold, so
 * that a configuration is one GAN training and its cycle-GAN evaluation, and reads tf.memory()
 * before and after each (counts are exact, so this runs once).
 *
 * Needs the stack (`serflow stack up`). Prints tables and writes bench/output/sweep-scaling.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { sweepInput } from '../cli/commands/sweep-command';
import { routedByStore, splitQueue } from '../composition/store-routing';
import { LocalFolderStore } from '../store/local-folder-store';
import { hashOf } from '../configs/canonical-json';
import { loadExperimentConfig } from '../configs/load/experiment-config';
import { loadStackSettings } from '../infra/stack-settings';
import { experimentSchema } from '../configs/schema/experiment';
import type { StackSettings } from '../configs/schema/stack-settings';
import { repoRoot, stateDir } from '../infra/paths';
import type { SweepOutcome } from '../workflows/sweep';
import { option, stats } from './bench-kit';
import { defaultTensorflowThreads } from './machine-report';

// For the in-process part; the workers get the same values from bin/serflow.
defaultTensorflowThreads();

const serflow = join(repoRoot, 'bin', 'serflow');
const SAMPLE_MS = 250;
/** A measured sweep that takes longer than this is killed and the bench fails. */
const SWEEP_TIMEOUT_MS = 60 * 60 * 1000;

/** Children alive right now: killed on error, Ctrl-C or SIGTERM. */
const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * SIGTERM, then SIGKILL if the process has not ended after graceMs (`serflow sweep` ends with
 * 130 on SIGTERM once its workers have shut down; the fallback covers a stuck shutdown).
 */
async function stop(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ---- /proc: process tree and memory -------------------------------------------------------------

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: the fields after its ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift() as number) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** VmHWM (peak RSS) and VmRSS in MB, or undefined once the process is gone. */
function memoryOf(pid: number): { hwmMb: number; rssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const m = { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
    // A process between fork and exec, or a zombie, has no Vm* lines.
    return Number.isFinite(m.hwmMb) && Number.isFinite(m.rssMb) ? m : undefined;
  } catch {
    return undefined;
  }
}

const isComputeWorker = (cmd: string) => / worker /.test(` ${cmd} `) && /--queues compute\b/.test(cmd);

// ---- one measured sweep --------------------------------------------------------------------------

interface BaseSetup {
  /** The tiny experiment every configuration starts from (corpus path absolute). */
  base: Record<string, unknown>;
  axis: 'seed' | 'sigma';
  concurrency: number;
  featuresStore: string;
  settings: StackSettings;
  client: Client;
  stamp: string;
}

interface SweepRun {
  configurations: number;
  computeWorkers: number;
  repeat: number;
  workflowId: string;
  /** Spawn of `serflow sweep` to its exit (CLI and its compute worker start-up included). */
  wallS: number;
  /** Sweep workflow start to close, as Temporal recorded it. */
  workflowS: number;
  /**
   * The sweep's work: from the moment a compute worker polls (the workflow start when an extra
   * worker is already polling, else the CLI's compute worker's first poll) to the workflow close.
   */
  workS: number;
  /** CLI spawn to the sweep workflow's start. */
  cliStartS: number;
  /** CLI spawn to the first poll of the CLI's own compute worker on the compute queue. */
  cliWorkerReadyS: number | undefined;
  /** Spawn to first poll of each extra worker (before the clock starts). */
  extraWorkerReadyS: number[];
  /** Peak RSS (VmHWM) of each compute worker process, MB, CLI child first. */
  computePeakMb: number[];
  /** The largest sum of the compute workers' RSS at one sample, MB. */
  computeTotalPeakMb: number;
  /** Peak RSS of the CLI process (workflows, orchestration worker, light activities), MB. */
  cliPeakMb: number;
  /** Compute- and extraction-queue activities started per worker (from the workflow histories), CLI child first. */
  activitiesPerWorker: number[];
  memoHits: number;
  memoLookups: number;
}

function writeSweepFiles(dir: string, setup: BaseSetup, name: string, experiment: string, n: number): string {
  const values = Array.from({ length: n }, (_, i) => (setup.axis === 'seed' ? 20221 + i : Number((0.05 * (i + 1)).toFixed(2))));
  writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...setup.base, tracking: { experiment } }));
  const sweep = {
    name, base: 'base.json', concurrency: setup.concurrency, maxConfigurations: 64, tracking: { experiment },
    search: { kind: 'grid', space: { [setup.axis === 'seed' ? 'protocol.seed' : 'noise.sigma']: values } },
  };
  const file = join(dir, 'sweep.json');
  writeFileSync(file, JSON.stringify(sweep));
  return file;
}

/** Its own task queues on the shared dev server: a copy of the stack settings. */
function writeStackSettings(dir: string, settings: StackSettings, queue: string): { file: string; settings: StackSettings } {
  const own: StackSettings = { ...settings, temporal: { ...settings.temporal, taskQueues: { orchestration: queue, compute: `${queue}-compute`, extraction: `${queue}-compute-extraction` } } };
  const file = join(dir, 'temporal.json');
  writeFileSync(file, JSON.stringify(own));
  return { file, settings: own };
}

async function computePollers(client: Client, settings: StackSettings): Promise<string[]> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: settings.temporal.namespace,
    taskQueue: { name: settings.temporal.taskQueues.compute, kind: 1 /* NORMAL */ },
    taskQueueType: 2 /* ACTIVITY */,
  });
  return (res.pollers ?? []).map((p) => p.identity ?? '');
}

/** Compute-queue activities started per worker identity, from the experiment and fold histories. */
async function activitiesByIdentity(client: Client, sweepId: string, outcomes: SweepOutcome[], folds: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const ids = outcomes.flatMap((o) => [`${sweepId}/${o.name}`, ...Array.from({ length: folds }, (_, f) => `${sweepId}/${o.name}/fold-${f}`)]);
  for (const id of ids) {
    try {
      const history = await client.workflow.getHandle(id).fetchHistory();
      const scheduled = new Map<string, string>();
      for (const e of history.events ?? []) {
        const s = e.activityTaskScheduledEventAttributes;
        if (s) scheduled.set(String(e.eventId), s.taskQueue?.name ?? '');
        const st = e.activityTaskStartedEventAttributes;
        const base = st ? splitQueue(scheduled.get(String(st.scheduledEventId)) ?? '').base : '';
        if (st && (base.endsWith('-compute') || base.endsWith('-extraction'))) counts.set(st.identity ?? '?', (counts.get(st.identity ?? '?') ?? 0) + 1);
      }
    } catch {
      // a fold that does not exist (fewer folds than asked) has no history
    }
  }
  return counts;
}

async function measureSweep(setup: BaseSetup, n: number, workers: number, repeat: number, index: number): Promise<SweepRun> {
  const tag = `${setup.stamp}-n${n}-w${workers}-r${repeat}`;
  const name = `scaling-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'serflow-bench-scaling-'));
  const identityOf = (pid: number) => `${pid}@${hostname()}`;
  const extra: ChildProcess[] = [];
  let sweep: ChildProcess | undefined;
  let workflowId: string | undefined;
  let finished = false;
  try {
    const state = join(dir, 'state');
    cpSync(setup.featuresStore, join(state, 'store'), { recursive: true });
    const sweepFile = writeSweepFiles(dir, setup, name, `bench-${name}`, n);
    const own = writeStackSettings(dir, setup.settings, `bench-scaling-${setup.stamp}-${index}`);
    // The queues the workers of this store poll (composition/store-routing.ts).
    const routed = routedByStore(own.settings, await new LocalFolderStore(join(state, 'store')).identity());
    // The id `serflow sweep` derives (name + hash of the expanded configs): new for every run.
    workflowId = sweepInput(sweepFile, own.settings).workflowId;
    // One compute child from `serflow sweep` (not one per core), so W counts the compute workers.
    const env = { ...process.env, SERFLOW_STATE: state, SERFLOW_STACK_CONFIG: own.file, SERFLOW_COMPUTE_WORKERS: '1', SERFLOW_LOG_LEVEL: process.env.SERFLOW_LOG_LEVEL ?? 'warn' };
    // Extra compute workers first, started as a user would on this machine, ready before the clock starts.
    const extraReady: number[] = [];
    for (let w = 1; w < workers; w++) {
      const t0 = performance.now();
      const child = track(spawn(serflow, ['worker', '--queues', 'compute,extraction', '--exit-with-parent'], { env, stdio: ['ignore', 'inherit', 'inherit'] }));
      extra.push(child);
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the extra compute worker ended during start-up (${child.exitCode ?? child.signalCode})`);
        if ((await computePollers(setup.client, routed)).includes(identityOf(child.pid as number))) break;
        if (performance.now() - t0 > 120_000) throw new Error('the extra compute worker did not poll within 120 s');
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
      }
      extraReady.push((performance.now() - t0) / 1000);
    }

    const peaks = new Map<number, number>();
    let cliPeakMb = 0;
    let computeTotalPeakMb = 0;
    let cliWorkerPid: number | undefined;
    let cliWorkerReadyS: number | undefined;
    const t0 = performance.now();
    const startedAt = Date.now();
    const child = track(spawn(serflow, ['sweep', sweepFile, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
    sweep = child;
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    let ended = false;
    void closed.then(() => { ended = true; });
    const sampler = (async () => {
      while (!ended) {
        const pid = child.pid as number;
        const cli = memoryOf(pid);
        if (cli) cliPeakMb = Math.max(cliPeakMb, cli.hwmMb);
        const computePids = [...descendantsOf(pid).filter((p) => isComputeWorker(commandLine(p))), ...extra.map((c) => c.pid as number)];
        let total = 0;
        for (const p of computePids) {
          const m = memoryOf(p);
          if (!m) continue;
          peaks.set(p, Math.max(peaks.get(p) ?? 0, m.hwmMb));
          total += m.rssMb;
        }
        computeTotalPeakMb = Math.max(computeTotalPeakMb, total);
        cliWorkerPid ??= computePids.find((p) => !extra.some((c) => c.pid === p));
        if (cliWorkerPid !== undefined && cliWorkerReadyS === undefined) {
          try {
            if ((await computePollers(setup.client, routed)).includes(identityOf(cliWorkerPid))) cliWorkerReadyS = (performance.now() - t0) / 1000;
          } catch {
            // the next sample asks again
          }
        }
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
      }
    })();
    const timeout = setTimeout(() => void stop(child, 5000), SWEEP_TIMEOUT_MS);
    const code = await closed;
    clearTimeout(timeout);
    const wallS = (performance.now() - t0) / 1000;
    await sampler;
    if (code !== 0) throw new Error(`serflow sweep ${name} exited with ${code}`);
    const out = JSON.parse(stdout.trim().split('\n').pop() as string) as { workflowId: string; outcomes: SweepOutcome[] };
    if (out.workflowId !== workflowId) throw new Error(`serflow sweep ran ${out.workflowId}, expected ${workflowId}`);
    finished = true;
    const described = await setup.client.workflow.getHandle(out.workflowId).describe();
    const start = described.startTime.getTime();
    const close = described.closeTime?.getTime() ?? NaN;
    const byIdentity = await activitiesByIdentity(setup.client, out.workflowId, out.outcomes, Number((setup.base.protocol as { maxFolds: number }).maxFolds));
    const order = [cliWorkerPid, ...extra.map((c) => c.pid)].filter((p): p is number => p !== undefined);
    const counted = order.map((p) => byIdentity.get(identityOf(p)) ?? 0);
    const others = [...byIdentity.entries()].filter(([id]) => !order.some((p) => identityOf(p) === id));
    if (others.length > 0) process.stderr.write(`warning: compute activities ran on workers the bench did not start: ${others.map(([id, k]) => `${id} (${k})`).join(', ')}\n`);
    return {
      configurations: n, computeWorkers: workers, repeat, workflowId: out.workflowId, wallS,
      workflowS: (close - start) / 1000,
      workS: (close - (workers > 1 || cliWorkerReadyS === undefined ? start : Math.max(start, startedAt + 1000 * cliWorkerReadyS))) / 1000,
      cliStartS: (start - startedAt) / 1000, cliWorkerReadyS, extraWorkerReadyS: extraReady,
      computePeakMb: order.map((p) => peaks.get(p) ?? NaN), computeTotalPeakMb, cliPeakMb, activitiesPerWorker: counted,
      memoHits: out.outcomes.reduce((k, o) => k + o.memoHits, 0), memoLookups: out.outcomes.reduce((k, o) => k + o.memoLookups, 0),
    };
  } finally {
    if (sweep) await stop(sweep);
    await Promise.all(extra.map((c) => stop(c)));
    if (!finished && workflowId !== undefined) {
      // Leave no running sweep behind on the shared dev server (its queues have no workers any more).
      await setup.client.workflow.getHandle(workflowId).terminate('bench/sweep-scaling.ts: the measurement failed').catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runtime deps whose store and scratch folder live in `dir` (they read SERFLOW_STATE when built). */
function depsInState<D, L extends { child(bindings: object): L }>(dir: string, create: (settings: StackSettings, logger: L) => D, logger: L): D {
  const previous = process.env.SERFLOW_STATE;
  process.env.SERFLOW_STATE = dir;
  try {
    return create(loadStackSettings(), logger.child({ bench: 'sweep-scaling' }));
  } finally {
    if (previous === undefined) delete process.env.SERFLOW_STATE;
    else process.env.SERFLOW_STATE = previous;
  }
}

// ---- in-process tensor counts --------------------------------------------------------------------

interface TensorRow {
  trainings: number;
  afterTraining: number;
  afterEvaluation: number;
  tensorMb: number;
  trainingS: number;
}

async function tensorCounts(base: Record<string, unknown>, featuresStore: string, count: number, computeConcurrency: number): Promise<{ before: number; rows: TensorRow[] }> {
  const { tf } = await import('../compute/tf.js');
  const { createActivities } = await import('../activities/index.js');
  const { createRuntimeDeps } = await import('../composition/runtime-deps.js');
  const { orchestrationSettings } = await import('../composition/orchestration-settings.js');
  const { logger } = await import('../logging/logger.js');
  const { inProcessActivities, runExperimentInProcess } = await import('./in-process-activities.js');
  const dir = mkdtempSync(join(tmpdir(), 'serflow-bench-tensors-'));
  try {
    cpSync(featuresStore, join(dir, 'store'), { recursive: true });
    const activities = inProcessActivities(createActivities(depsInState(dir, createRuntimeDeps, logger)), computeConcurrency);
    const orchestration = orchestrationSettings(loadStackSettings());
    const experiment = `bench-scaling-tensors-${Date.now().toString(36)}`;
    let before = NaN;
    const rows: TensorRow[] = [];
    for (let k = 1; k <= count; k++) {
      // Only the cycle-GAN method and one fold: nothing runs beside the GAN training and its evaluation.
      const config = experimentSchema.parse({
        ...base, name: `tensors-${k}`, methods: [{ method: 'cyclegan', loss: 'wdiv' }], protocol: { ...(base.protocol as object), seed: 20220 + k, maxFolds: 1 },
      });
      const row = { trainings: k, afterTraining: NaN, afterEvaluation: NaN, tensorMb: NaN, trainingS: NaN };
      let calls = 0;
      await runExperimentInProcess({ config, configHash: hashOf(config), configDir: repoRoot, mlflowExperiment: experiment, orchestration }, {
        ...activities,
        trainClassGans: async (input) => {
          calls++;
          if (k === 1) before = tf.memory().numTensors;
          const t0 = performance.now();
          const gan = await activities.trainClassGans(input);
          row.trainingS = (performance.now() - t0) / 1000;
          row.afterTraining = tf.memory().numTensors;
          return gan;
        },
        evaluate: async (input) => {
          calls++;
          const result = await activities.evaluate(input);
          row.afterEvaluation = tf.memory().numTensors;
          row.tensorMb = tf.memory().numBytes / 2 ** 20;
          return result;
        },
      }, 'bench-sweep-scaling');
      if (calls !== 2) throw new Error(`a tensor-count configuration should be one GAN training and one evaluation, it made ${calls} calls: check the base config`);
      rows.push(row);
      process.stderr.write(`tensors: after GAN training ${k}: ${row.afterTraining}, after its cycle-GAN evaluation: ${row.afterEvaluation} (before: ${before})\n`);
    }
    return { before, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The eGeMAPS features once into a store of their own (a memo hit after the first bench run). */
async function featuresTemplate(base: Record<string, unknown>, defaultState: string): Promise<{ store: string; memoHit: boolean; seconds: number }> {
  const { MockActivityEnvironment } = await import('@temporalio/testing');
  const { createActivities } = await import('../activities/index.js');
  const { createRuntimeDeps } = await import('../composition/runtime-deps.js');
  const { logger } = await import('../logging/logger.js');
  const dir = join(defaultState, 'bench', 'sweep-scaling-features');
  mkdirSync(dir, { recursive: true });
  const acts = createActivities(depsInState(dir, createRuntimeDeps, logger));
  const config = experimentSchema.parse(base);
  const t0 = performance.now();
  const ref = (await new MockActivityEnvironment().run(acts.extractFeatures as never, { corpus: config.corpus, features: config.features, configDir: repoRoot } as never)) as { memoHit: boolean };
  return { store: join(dir, 'store'), memoHit: ref.memoHit, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const sizes = option('sizes', '1,2,4,8').split(',').map(Number);
  const workerCounts = option('workers', '1,2').split(',').map(Number);
  const repeats = Number(option('repeats', '2'));
  const maxFolds = Number(option('max-folds', '2'));
  const ganEpochs = Number(option('gan-epochs', '5'));
  const axis = option('axis', 'seed');
  const concurrency = Number(option('concurrency', '2'));
  const bad = [...sizes, ...workerCounts, repeats, maxFolds, ganEpochs, concurrency].some((x) => !Number.isInteger(x) || x < 1);
  if (bad || (axis !== 'seed' && axis !== 'sigma')) throw new Error('options: --sizes, --workers (lists), --repeats, --max-folds, --gan-epochs, --concurrency take whole numbers >= 1; --axis seed|sigma');
  const defaultState = stateDir();
  const settings = loadStackSettings();
  const { DEFAULT_COMPUTE_CONCURRENCY } = await import('../infra/temporal/worker.js');
  const { connectClient } = await import('../infra/temporal/connection.js');

  const { config: sweepBase } = loadExperimentConfig(join(repoRoot, 'configs', 'sweep-base.yaml'));
  const base: Record<string, unknown> = {
    name: 'scaling-base',
    corpus: { ...sweepBase.corpus, path: join(repoRoot, 'configs', sweepBase.corpus.path) },
    features: sweepBase.features,
    protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 20221, maxFolds },
    methods: ['none', 'noise', { method: 'cyclegan', loss: 'wdiv' }],
    amounts: [1.0],
    classifiers: ['svm'],
    gan: {
      hidden: [32, 32], patchSize: 22, discriminatorHidden: [16], pretrainEpochs: 1, epochs: ganEpochs, checkpointEvery: 5,
      classifier: { hidden: [16], epochs: 5 },
    },
  };

  const features = await featuresTemplate(base, defaultState);
  process.stderr.write(`features: eGeMAPSv02 template ${features.memoHit ? 'reused' : 'extracted'} in ${features.seconds.toFixed(1)} s (not part of any figure)\n`);
  const maxSize = Math.max(...sizes);
  const tensors = await tensorCounts(base, features.store, maxSize, DEFAULT_COMPUTE_CONCURRENCY);

  const client = await connectClient(settings);
  const setup: BaseSetup = { base, axis, concurrency, featuresStore: features.store, settings, client, stamp: Date.now().toString(36) };
  const runs: SweepRun[] = [];
  let index = 0;
  // Ctrl-C or SIGTERM: stop the children; the measurement then fails and its clean-up (extra
  // workers, terminating the sweep workflow, the temporary folders) runs. A second signal exits at once.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted || live.size === 0) process.exit(130);
    interrupted = true;
    process.stderr.write(`${signal}: stopping ${live.size} child process(es) and cleaning up\n`);
    for (const c of live) void stop(c, 5000);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (let r = 0; r < repeats; r++) {
      // Alternate the order so that drift in machine load does not favour one worker count or size.
      const ws = r % 2 === 0 ? workerCounts : [...workerCounts].reverse();
      for (const w of ws) {
        for (const n of r % 2 === 0 ? sizes : [...sizes].reverse()) {
          if (interrupted) throw new Error('interrupted');
          const run = await measureSweep(setup, n, w, r, index++);
          runs.push(run);
          process.stderr.write(`sweep of ${n} with ${w} compute worker(s), repeat ${r + 1}: ${run.wallS.toFixed(1)} s (workflow ${run.workflowS.toFixed(1)} s, work ${run.workS.toFixed(1)} s), ` +
            `compute peak RSS ${run.computePeakMb.map((m) => m.toFixed(0)).join('+')} MB, activities ${run.activitiesPerWorker.join('+')}\n`);
        }
      }
    }
  } finally {
    for (const c of live) await stop(c);
    await client.connection.close();
  }

  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const mmm = (xs: number[], d = 1) => {
    const s = stats(xs);
    return `${f(s.min, d)} / ${f(s.median, d)} / ${f(s.max, d)}`;
  };
  const group = (w: number, n: number) => runs.filter((x) => x.computeWorkers === w && x.configurations === n);
  const fewest = Math.min(...workerCounts);
  const summary = workerCounts.flatMap((w) => sizes.map((n) => {
    const g = group(w, n);
    return {
      computeWorkers: w, configurations: n,
      wallS: stats(g.map((x) => x.wallS)), workflowS: stats(g.map((x) => x.workflowS)), workS: stats(g.map((x) => x.workS)),
      workSPerConfiguration: stats(g.map((x) => x.workS / n)),
      /** Median time with the fewest workers over this one's, same sweep size: wall (what the user waits) and work. */
      speedupWall: stats(group(fewest, n).map((x) => x.wallS)).median / stats(g.map((x) => x.wallS)).median,
      speedupWork: stats(group(fewest, n).map((x) => x.workS)).median / stats(g.map((x) => x.workS)).median,
      computePeakMbPerWorker: stats(g.flatMap((x) => x.computePeakMb)), computeTotalPeakMb: stats(g.map((x) => x.computeTotalPeakMb)),
      cliPeakMb: stats(g.map((x) => x.cliPeakMb)), activitiesPerWorker: g.map((x) => x.activitiesPerWorker),
      memoHits: `${g[0]?.memoHits}/${g[0]?.memoLookups}`,
    };
  }));
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  const marginal = workerCounts.map((w) => ({
    computeWorkers: w,
    /** Growth of the median work time per added configuration, from the smallest to the largest sweep. */
    sPerAddedConfiguration: largest > smallest ? (stats(group(w, largest).map((x) => x.workS)).median - stats(group(w, smallest).map((x) => x.workS)).median) / (largest - smallest) : NaN,
  }));
  const threads = `TF intra-op threads ${process.env.TF_NUM_INTRAOP_THREADS}, inter-op ${process.env.TF_NUM_INTEROP_THREADS}`;
  const lines = [
    `sweep scaling: ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}; ${repeats} repeat(s), figures min / median / max; grid over ${axis === 'seed' ? 'protocol.seed' : 'noise.sigma'}; ` +
      `each configuration: ${maxFolds} LOSO fold(s) x (none, noise, cyclegan-wdiv: GAN [32,32], 1+${ganEpochs} epochs) x svm, 1 repeat`,
    `sweep concurrency ${concurrency} experiments, 2 folds per experiment at a time; every compute worker (the CLI's child and each extra one): ` +
      `up to ${DEFAULT_COMPUTE_CONCURRENCY} concurrent activities (infra/temporal/worker.ts), ${threads}`,
    'fresh store per run (nothing memoised between runs); features pre-extracted and copied in (a memo hit per configuration, not measured)',
    'wall = `serflow sweep` spawn to exit; workflow = sweep workflow start to close (Temporal); work = from the first poll of a compute worker to the close ' +
      '(with an extra worker: the workflow start, while the CLI\'s own compute worker still starts up on the same cores)',
    '',
    `| compute workers | configs | wall s | workflow s | work s | work s / config (median) | speed-up vs ${fewest} worker(s), wall / work (medians) | compute activities per worker, each run | memo hits |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...summary.map((s) => {
      const g = group(s.computeWorkers, s.configurations);
      return `| ${s.computeWorkers} | ${s.configurations} | ${mmm(g.map((x) => x.wallS))} | ${mmm(g.map((x) => x.workflowS))} | ${mmm(g.map((x) => x.workS))} | ` +
        `${f(s.workSPerConfiguration.median)} | ${f(s.speedupWall, 2)} / ${f(s.speedupWork, 2)} | ${s.activitiesPerWorker.map((a) => a.join('+')).join(', ')} | ${s.memoHits} |`;
    }),
    `work s per added configuration (median, ${smallest} to ${largest} configs): ${marginal.map((m) => `${m.computeWorkers} worker(s) ${f(m.sPerAddedConfiguration)}`).join(', ')}`,
    '',
    '| compute workers | configs | peak RSS per compute worker MB | all compute workers at once MB (sampled) | CLI (workflows) peak RSS MB |',
    '|---|---|---|---|---|',
    ...summary.map((s) => {
      const g = group(s.computeWorkers, s.configurations);
      return `| ${s.computeWorkers} | ${s.configurations} | ${mmm(g.flatMap((x) => x.computePeakMb), 0)} | ${mmm(g.map((x) => x.computeTotalPeakMb), 0)} | ${mmm(g.map((x) => x.cliPeakMb), 0)} |`;
    }),
    '',
    `start-up, spawn to first poll of the compute queue (min / median / max): the CLI's compute worker ${mmm(runs.flatMap((x) => (x.cliWorkerReadyS === undefined ? [] : [x.cliWorkerReadyS])))} s (inside wall and workflow time); ` +
      `an extra worker ${runs.some((x) => x.extraWorkerReadyS.length) ? mmm(runs.flatMap((x) => x.extraWorkerReadyS)) : '-'} s (before the clock starts); ` +
      `CLI spawn to sweep workflow start ${mmm(runs.map((x) => x.cliStartS))} s`,
    '',
    `tf tensors in one process (in-process activities, ${threads}): ${tensors.before} before the first GAN training; the evaluations keep up to 4 idle restored GANs (store/restored-gans.ts)`,
    '| GAN trainings so far | tensors after the training | after its cycle-GAN evaluation | tensor MB | training s |',
    '|---|---|---|---|---|',
    ...tensors.rows.filter((t) => sizes.includes(t.trainings)).map((t) => `| ${t.trainings} | ${t.afterTraining} | ${t.afterEvaluation} | ${f(t.tensorMb, 2)} | ${f(t.trainingS)} |`),
    `GAN training (1 fold, in-process) over ${tensors.rows.length} trainings, min / median / max: ${mmm(tensors.rows.map((t) => t.trainingS))} s`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync(join(repoRoot, 'bench', 'output'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'output', 'sweep-scaling.json'), JSON.stringify({
    cores: cpus().length, sizes, workerCounts, repeats, maxFolds, ganEpochs, axis, sweepConcurrency: concurrency,
    computeConcurrencyPerWorker: DEFAULT_COMPUTE_CONCURRENCY, tfIntraOpThreads: Number(process.env.TF_NUM_INTRAOP_THREADS), tfInterOpThreads: Number(process.env.TF_NUM_INTEROP_THREADS),
    features: { memoHit: features.memoHit, seconds: features.seconds }, summary, marginal, runs, tensors,
  }, null, 2));
  process.exit(0);
}

main().catch((err: unknown) => {
  for (const c of live) c.kill('SIGKILL');
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
