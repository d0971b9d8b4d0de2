/**
 * What the fleet rehearsals (test/fleet/) share: the fleet of infra/fleet/ started by its own
 * up.sh, "machines" (infra/fleet/machine.sh: a command in its own mount, PID and UTS namespaces,
 * hostname fleet-<name>) whose JSON log lines are collected as they come, a machine lost as a
 * whole PID namespace, and a copy of the tiny EMO-DB corpus that only the machines given it see.
 *
 * A machine's Temporal identity is `<pid in its namespace>@fleet-<name>`: histories say which
 * machine ran what by the part after the @.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { loadStackSettings } from '../../infra/stack-settings';
import { collectOutput, repo, serflowBin, sleep, waitFor, type SpawnedWorker } from './fault-kit';
import { writeTinyManifest } from './tiny-experiment';

export const fleetScripts = join(repo, 'infra', 'fleet');
export const fleetConfig = join(fleetScripts, 'fleet.yaml');
/** The fleet's state folder (infra/fleet/env.sh); machines' own disks are under machines/<name>. */
export const fleetState = process.env.SERFLOW_FLEET_STATE ?? join(repo, '.state', 'fleet');
/** The servers of infra/fleet/env.sh. */
export const FLEET = {
  mlflow: 'http://127.0.0.1:26000',
  optuna: 'postgresql+psycopg://serflow:serflow@127.0.0.1:26432/optuna',
} as const;
/** Where a machine given the corpus sees it (machine.sh --corpus). */
export const CORPUS_IN_MACHINE = '/tmp/machine/corpus';

/**
 * Starts the fleet's servers (`bash infra/fleet/up.sh`, idempotent) and points this test process
 * at them: npm test exports the test stack's MLflow URI and stack file, which the fleet must not use.
 */
export function fleetUp(): StackSettings {
  process.env.MLFLOW_TRACKING_URI = FLEET.mlflow;
  process.env.SERFLOW_STACK_CONFIG = fleetConfig;
  process.env.SERFLOW_OPTUNA_STORAGE = FLEET.optuna;
  delete process.env.TEMPORAL_ADDRESS;
  const started = Date.now();
  const up = spawnSync('bash', [join(fleetScripts, 'up.sh')], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(up.status, 0, `infra/fleet/up.sh failed:\n${up.stderr}`);
  console.log(`[fleet] up.sh in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return loadStackSettings(fleetConfig);
}

/** A machine's own disk on the host (/tmp/machine inside it). */
export function machineDisk(name: string): string {
  const dir = join(fleetState, 'machines', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The fleet's stack file with task queues unique to the caller, written onto the own disk of
 * every named machine (a machine sees no other folder of the host); returns its path inside a
 * machine and the settings as the test process reads them.
 */
export function fleetStackConfig(machines: string[]): { inMachine: string; settings: StackSettings } {
  const raw = parse(readFileSync(fleetConfig, 'utf8')) as { temporal: { taskQueues: Record<string, string> } };
  const suffix = randomUUID().slice(0, 8);
  raw.temporal.taskQueues = { orchestration: `fleet-${suffix}`, compute: `fleet-compute-${suffix}` };
  const name = `stack-${suffix}.yaml`;
  for (const m of machines) writeFileSync(join(machineDisk(m), name), stringify(raw));
  return { inMachine: `/tmp/machine/${name}`, settings: loadStackSettings(join(machineDisk(machines[0] as string), name)) };
}

/**
 * The tiny EMO-DB manifest (test/support/tiny-experiment.ts) as a folder of real files, not links
 * into ../shared (which no machine sees): what a lab copies onto the one machine that has the audio.
 */
export function fleetCorpus(): string {
  const linked = writeTinyManifest();
  const dir = join(linked, 'copy');
  mkdirSync(join(dir, 'wav'), { recursive: true });
  for (const f of readdirSync(join(linked, 'wav'))) copyFileSync(realpathSync(join(linked, 'wav', f)), join(dir, 'wav', f));
  copyFileSync(join(linked, 'manifest.csv'), join(dir, 'manifest.csv'));
  return dir;
}

export interface FleetMachine extends SpawnedWorker {
  name: string;
  /** The machine's hostname, the part after the @ of its Temporal identity. */
  host: string;
}

/**
 * `bash infra/fleet/machine.sh <name> [--corpus DIR] -- <command>`: by default `serflow worker`
 * with `args`. Its log lines (JSON, info) are parsed as they come. `env` reaches the command
 * (SERFLOW_STORE: 'local' for a machine outside the fleet's store; FLEET_STACK_CONFIG: a stack
 * file on the machine's own disk).
 */
export function startMachine(name: string, options: { corpus?: string; command?: string[]; args?: string[]; env?: NodeJS.ProcessEnv } = {}): FleetMachine {
  const command = options.command ?? [serflowBin, 'worker', ...(options.args ?? [])];
  const child = spawn('bash', [join(fleetScripts, 'machine.sh'), name, ...(options.corpus ? ['--corpus', options.corpus] : []), '--', ...command], {
    env: { ...process.env, SERFLOW_LOG_LEVEL: 'info', SERFLOW_LOG_PRETTY: '0', TF_CPP_MIN_LOG_LEVEL: '2', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.ok(child.pid, `machine ${name} started`);
  return { name, host: `fleet-${name}`, child, pid: child.pid, identity: `?@fleet-${name}`, ...collectOutput(child) };
}

/** The init process of a machine's PID namespace (the child of its unshare). */
function namespaceInit(m: FleetMachine): number | undefined {
  try {
    const first = readFileSync(`/proc/${m.pid}/task/${m.pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function pidsInNamespace(ns: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/pid`) === ns;
    } catch {
      return false;
    }
  }).map(Number);
}

/**
 * Loses a machine: SIGKILL to its PID namespace's init, which takes every process of the
 * namespace with it. Returns how many processes the namespace held; fails if any survives.
 */
export async function killMachine(m: FleetMachine): Promise<number> {
  const init = await waitFor(`machine ${m.name}'s namespace init`, () => namespaceInit(m), 10_000, 100);
  const ns = readlinkSync(`/proc/${init}/ns/pid`);
  const held = pidsInNamespace(ns).length;
  process.kill(init, 'SIGKILL');
  await m.exited;
  await waitFor(`every process of machine ${m.name} to be gone`, () => (pidsInNamespace(ns).length === 0 ? true : undefined), 10_000, 100);
  return held;
}

/** Stops a machine: SIGTERM to its command (through the namespace's init), SIGKILL to the namespace after `graceMs`. */
export async function stopMachine(m: FleetMachine | undefined, graceMs = 15_000): Promise<void> {
  if (!m || !m.isRunning()) return;
  const init = namespaceInit(m);
  if (init === undefined) {
    m.child.kill('SIGKILL');
    await m.exited;
    return;
  }
  process.kill(init, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (m.isRunning() && Date.now() < deadline) await sleep(200);
  if (m.isRunning()) await killMachine(m);
}

/** Which machine a Temporal identity (`pid@fleet-<name>`) belongs to. */
export function machineOf(identity: string | null | undefined): string {
  return (identity ?? '?').split('@')[1]?.replace(/^fleet-/, '') ?? '?';
}
