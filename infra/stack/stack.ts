/**
 * The embedded stack's lifecycle: `up` (idempotent; waits until both servers are healthy),
 * `down` (leaves no process behind), `status`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { mlflowCli, stateDir, temporalCli } from '../paths';
import { runningPid, sleep, startDetached, stopGroup } from './managed-process';
import { describePortHolder, isPortOpen } from './port-probe';
import { mlflowServer, temporalDevServer, type ServerDescription } from './servers';

export class StackError extends Error {
  override readonly name = 'StackError';
}

export interface ServerStatus {
  name: string;
  pid: number | undefined;
  healthy: boolean;
  urls: Record<string, string>;
  logFile: string;
}

function servers(settings: StackSettings): ServerDescription[] {
  return [temporalDevServer(settings), mlflowServer(settings)];
}

function tailOf(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

async function upOne(server: ServerDescription, timeoutMs: number, onEvent: (msg: string) => void): Promise<void> {
  const { spec } = server;
  const pid = runningPid(spec);
  if (pid !== undefined) {
    if (await waitHealthy(server, Math.min(timeoutMs, 60_000))) return;
    throw new StackError(`${spec.name} (pid ${pid}) is running but not healthy; see ${spec.logFile}, or run \`serflow stack down\` and \`up\` again`);
  }
  for (const { port, role } of server.ports) {
    if (await isPortOpen(server.host, port)) {
      if (await server.healthy()) {
        throw new StackError(
          `${spec.name} ${role} port ${server.host}:${port} is taken by a ${spec.name} server this project did not start (${describePortHolder(port)}). ` +
            'Fix: stop it, or point serflow at it as a remote server (TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI) and do not run `stack up`.',
        );
      }
      throw new StackError(
        `port ${server.host}:${port} (${spec.name} ${role}) is held by ${describePortHolder(port)}. ` +
          'Fix: stop that process, or choose another port in temporal.yaml.',
      );
    }
  }
  if (!existsSync(spec.command)) {
    throw new StackError(`${spec.name}: ${spec.command} is not installed. Fix: run \`npm run setup\`.`);
  }
  onEvent(`starting ${spec.name}`);
  startDetached(spec);
  if (!(await waitHealthy(server, timeoutMs))) {
    const stillRunning = runningPid(spec);
    if (stillRunning !== undefined) await stopGroup(stillRunning);
    throw new StackError(`${spec.name} did not become healthy within ${timeoutMs / 1000} s; last lines of ${spec.logFile}:\n${tailOf(spec.logFile)}`);
  }
  onEvent(`${spec.name} healthy at ${Object.values(server.urls).join(', ')}`);
}

async function waitHealthy(server: ServerDescription, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await server.healthy()) return true;
    if (runningPid(server.spec) === undefined) return false;
    await sleep(500);
  }
  return false;
}

export async function stackUp(settings: StackSettings, onEvent: (msg: string) => void = () => {}, timeoutMs = 120_000): Promise<ServerStatus[]> {
  const state = stateDir();
  mkdirSync(dirname(resolve(state, settings.temporal.devServer.dbFile)), { recursive: true });
  mkdirSync(dirname(resolve(state, settings.mlflow.server.backendStore)), { recursive: true });
  mkdirSync(resolve(state, settings.mlflow.server.artifactsDestination), { recursive: true });
  for (const tool of [temporalCli(), mlflowCli()]) {
    if (!existsSync(tool)) throw new StackError(`${tool} is not installed. Fix: run \`npm run setup\`.`);
  }
  await Promise.all(servers(settings).map((s) => upOne(s, timeoutMs, onEvent)));
  return stackStatus(settings);
}

/**
 * Starts one server of the stack if it is down, as `up` does for both (fault tests restart one
 * server while the other keeps running). Idempotent; waits until it is healthy.
 */
export async function serverUp(settings: StackSettings, name: 'temporal' | 'mlflow', onEvent: (msg: string) => void = () => {}, timeoutMs = 120_000): Promise<void> {
  const server = servers(settings).find((s) => s.spec.name === name);
  if (!server) throw new StackError(`no server named ${name}`);
  const state = stateDir();
  mkdirSync(dirname(resolve(state, settings.temporal.devServer.dbFile)), { recursive: true });
  mkdirSync(dirname(resolve(state, settings.mlflow.server.backendStore)), { recursive: true });
  mkdirSync(resolve(state, settings.mlflow.server.artifactsDestination), { recursive: true });
  await upOne(server, timeoutMs, onEvent);
}

/** Stops one server of the stack (its whole process group), as `down` does for both. */
export async function serverDown(settings: StackSettings, name: 'temporal' | 'mlflow', onEvent: (msg: string) => void = () => {}): Promise<void> {
  const server = servers(settings).find((s) => s.spec.name === name);
  if (!server) throw new StackError(`no server named ${name}`);
  const pid = runningPid(server.spec);
  if (pid === undefined) return;
  onEvent(`stopping ${server.spec.name} (pid ${pid})`);
  await stopGroup(pid);
  runningPid(server.spec); // removes the now stale pid file
}

export async function stackDown(settings: StackSettings, onEvent: (msg: string) => void = () => {}): Promise<void> {
  for (const server of servers(settings)) {
    const pid = runningPid(server.spec);
    if (pid === undefined) continue;
    onEvent(`stopping ${server.spec.name} (pid ${pid})`);
    await stopGroup(pid);
    runningPid(server.spec); // removes the now stale pid file
  }
}

export async function stackStatus(settings: StackSettings): Promise<ServerStatus[]> {
  return Promise.all(
    servers(settings).map(async (s) => ({
      name: s.spec.name,
      pid: runningPid(s.spec),
      healthy: await s.healthy(),
      urls: s.urls,
      logFile: s.spec.logFile,
    })),
  );
}
