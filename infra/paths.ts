/**
 * Where serflow's installed parts live. infra/setup.sh installs them into a cache shared by all
 * clones on a machine (SERFLOW_CACHE, default ~/.cache/serflow); per-clone state (server
 * databases, logs, pid files, the local artifact store) lives in SERFLOW_STATE (default .state/
 * in the clone).
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');

export function cacheDir(): string {
  return process.env.SERFLOW_CACHE ?? join(homedir(), '.cache', 'serflow');
}

export function stateDir(): string {
  return resolve(process.env.SERFLOW_STATE ?? join(repoRoot, '.state'));
}

export function venvDir(): string {
  return join(cacheDir(), 'venv');
}

export function temporalCli(): string {
  return join(cacheDir(), 'bin', 'temporal');
}

/**
 * Temporal's time-skipping test server (Java, from Maven Central; infra/setup.sh test-server): a
 * wrapper started as `temporal-test-server <port>`, like the native build the SDK would download.
 */
export function temporalTestServer(): string {
  return join(cacheDir(), 'bin', 'temporal-test-server');
}

export function mlflowCli(): string {
  return join(venvDir(), 'bin', 'mlflow');
}

export function pythonBin(): string {
  return join(venvDir(), 'bin', 'python');
}

/** The opensmile wheel's package folder inside the virtualenv. */
export function opensmilePackageDir(): string {
  const lib = join(venvDir(), 'lib');
  const py = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  if (!py) throw new Error(`no Python virtualenv at ${venvDir()}. Fix: run \`npm run setup\`.`);
  return join(lib, py, 'site-packages', 'opensmile');
}

/** SMILExtract binary and the folder of standard configs, as shipped by the opensmile wheel. */
export function smileExtract(): { binary: string; configDir: string } {
  const pkg = opensmilePackageDir();
  const binary = process.env.SERFLOW_SMILEXTRACT ?? join(pkg, 'core', 'bin', 'linux', 'SMILExtract');
  const configDir = join(pkg, 'core', 'config');
  if (!existsSync(binary)) throw new Error(`SMILExtract not found at ${binary}. Fix: run \`npm run setup\`, or set SERFLOW_SMILEXTRACT.`);
  return { binary, configDir };
}
