/**
 * optuna-dashboard on serflow's Optuna storage, for `serflow dashboard`: starts
 * optuna_dashboard_server.py (beside this file) in the venv's Python, learns the port it bound,
 * waits until the dashboard answers HTTP and lists the study, and hands back the study page's
 * address and a way to stop it.
 *
 * The server binds its socket before it says which port it has (port 0: the system picks a free
 * one), so the port is free by construction and no other process can take it in between. It
 * listens on 127.0.0.1 unless told otherwise: optuna-dashboard can rename and delete studies and
 * has no login. It ends when this process ends, however that happens (its stdin closes), and it
 * ignores SIGINT: the caller stops it with stop().
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const SERVER_SCRIPT = join(__dirname, 'optuna_dashboard_server.py');
/** Exit codes of optuna_dashboard_server.py. */
const NOT_INSTALLED = 3;
const PORT_TAKEN = 4;

export interface OptunaDashboardLaunch {
  /** The venv's Python, with optuna-dashboard installed (infra/setup.sh python). */
  python: string;
  /** SQLAlchemy URL of the storage (passed in the environment, never on the command line). */
  storage: string;
  /** The study whose page is wanted; it must be in the storage. */
  study: string;
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port to listen on. Default 0: a free one, picked by the system as the server binds it. A given port that is taken fails with DashboardPortTaken. */
  port?: number;
  /** How long to wait for the dashboard to answer and list the study, ms. Default 60000 (Python and Optuna start in about 2 s, 7-10 s on a loaded machine). */
  readyTimeoutMs?: number;
}

export interface RunningOptunaDashboard {
  /** The study's page, e.g. http://127.0.0.1:41234/dashboard/studies/3. */
  url: string;
  port: number;
  /** The study's id in the storage (the page's path). */
  studyId: number;
  /** The server process's pid. */
  pid: number;
  /** Settles when the server process has ended, by stop() or by itself, with how it ended. */
  ended: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** The port asked for is held by another process. */
export class DashboardPortTaken extends Error {
  override readonly name = 'DashboardPortTaken';
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is taken`);
  }
}

const FIX = 'run `npm run setup` (it installs optuna-dashboard into the venv)';

/** Throws, naming the fix, when `python` does not exist or has no optuna-dashboard (a quick check, before anything else is asked). */
export function requireOptunaDashboard(python: string): void {
  if (!existsSync(python)) throw new Error(`no Python virtualenv at ${dirname(dirname(python))} (${python} does not exist). Fix: ${FIX}`);
  const found = spawnSync(python, ['-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("optuna_dashboard") else 3)'], { stdio: 'ignore', timeout: 30_000 });
  if (found.status !== 0) throw new Error(`optuna-dashboard is not installed in the virtualenv ${dirname(dirname(python))}${found.error ? ` (${found.error.message})` : ''}. Fix: ${FIX}`);
}

const studiesAnswerSchema = z.object({ study_summaries: z.array(z.object({ study_id: z.number().int(), study_name: z.string() })) });

export async function startOptunaDashboard(launch: OptunaDashboardLaunch): Promise<RunningOptunaDashboard> {
  const host = launch.host ?? '127.0.0.1';
  const deadline = Date.now() + (launch.readyTimeoutMs ?? 60_000);
  const child = spawn(launch.python, [SERVER_SCRIPT, '--host', host, '--port', String(launch.port ?? 0)], {
    env: { ...process.env, SERFLOW_DASHBOARD_STORAGE: launch.storage },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
  });
  // 'close' comes after stdout and stderr are drained: the tail is complete.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  void closed.then(() => {
    running = false;
  });
  const describeEnd = (end: { code: number | null; signal: NodeJS.Signals | null; error?: Error }): string =>
    end.error ? `cannot run ${launch.python} (${end.error.message})` : `${end.signal ?? `exit code ${end.code}`}${stderrTail.length ? `: ${stderrTail.slice(-3).join(' | ')}` : ''}`;
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (!running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await closed;
    clearTimeout(timer);
  };
  // The stdin pipe stays open for the server's life; a write never happens, an error on it is the process ending.
  child.stdin.on('error', () => undefined);

  let timer: NodeJS.Timeout | undefined;
  try {
    const firstLine = new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`optuna-dashboard did not say which port it bound within ${launch.readyTimeoutMs ?? 60_000} ms (${stderrTail.slice(-3).join(' | ') || 'nothing on stderr'})`)), Math.max(0, deadline - Date.now()));
    });
    const ready = await Promise.race([firstLine.then((line) => ({ line })), closed.then((end) => ({ end })), expired]);
    clearTimeout(timer);
    if ('end' in ready) {
      if (ready.end.code === NOT_INSTALLED) throw new Error(`optuna-dashboard is not installed in the virtualenv of ${launch.python}. Fix: ${FIX}`);
      if (ready.end.code === PORT_TAKEN) throw new DashboardPortTaken(host, launch.port ?? 0);
      throw new Error(`optuna-dashboard ended before it served (${describeEnd(ready.end)})`);
    }
    const port = z.object({ port: z.number().int().positive() }).parse(JSON.parse(ready.line)).port;
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const studyId = await Promise.race([
      studyIdFrom(base, launch.study, deadline),
      closed.then((end) => {
        throw new Error(`optuna-dashboard ended before it answered (${describeEnd(end)})`);
      }),
    ]);
    return {
      url: `${base}/dashboard/studies/${studyId}`,
      port,
      studyId,
      pid: child.pid as number,
      ended: closed.then(describeEnd),
      stop,
    };
  } catch (error) {
    clearTimeout(timer);
    await stop(1_000);
    throw error;
  }
}

/** Asks the dashboard for its studies until it answers, then the study's id (an error if it does not list the study). */
async function studyIdFrom(base: string, study: string, deadline: number): Promise<number> {
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    let answer: unknown;
    try {
      const response = await fetch(`${base}/api/studies`, { signal: AbortSignal.timeout(Math.max(1_000, Math.min(10_000, deadline - Date.now()))) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      answer = await response.json();
    } catch (error) {
      lastProblem = (error as Error).message;
      await sleep(200);
      continue;
    }
    const studies = studiesAnswerSchema.parse(answer).study_summaries;
    const found = studies.find((s) => s.study_name === study);
    if (!found) throw new Error(`optuna-dashboard at ${base} does not list the study ${JSON.stringify(study)} (it lists ${studies.length} studies)`);
    return found.study_id;
  }
  throw new Error(`optuna-dashboard at ${base} did not answer in time (${lastProblem})`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
