/**
 * The two servers of the embedded stack, described from temporal.yaml: how to start each, where
 * its pid and log files are, and how to tell it is healthy.
 */
import { join, resolve } from 'node:path';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { mlflowCli, stateDir, temporalCli } from '../paths';
import type { ManagedProcessSpec } from './managed-process';

export interface ServerDescription {
  spec: ManagedProcessSpec;
  host: string;
  ports: { port: number; role: string }[];
  urls: Record<string, string>;
  healthy(): Promise<boolean>;
}

async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export function temporalDevServer(settings: StackSettings): ServerDescription {
  const dev = settings.temporal.devServer;
  const state = stateDir();
  const dbFile = resolve(state, dev.dbFile);
  const spec: ManagedProcessSpec = {
    name: 'temporal',
    command: temporalCli(),
    args: [
      'server', 'start-dev',
      '--ip', dev.ip, '--port', String(dev.port),
      '--ui-ip', dev.ip, '--ui-port', String(dev.uiPort),
      '--db-filename', dbFile,
      '--namespace', settings.temporal.namespace,
      '--log-format', 'json', '--log-level', 'warn',
    ],
    pidFile: join(state, 'run', 'temporal.pid'),
    logFile: join(state, 'logs', 'temporal.log'),
    cmdlineMarker: 'start-dev',
  };
  const uiHost = dev.ip === '0.0.0.0' ? '127.0.0.1' : dev.ip;
  return {
    spec,
    host: uiHost,
    ports: [{ port: dev.port, role: 'gRPC' }, { port: dev.uiPort, role: 'web UI' }],
    urls: { grpc: `${uiHost}:${dev.port}`, ui: `http://${uiHost}:${dev.uiPort}` },
    async healthy() {
      // The UI server answers only once the frontend is up; gRPC readiness is checked by a real
      // client call below.
      if (!(await httpOk(`http://${uiHost}:${dev.uiPort}/`))) return false;
      const { Connection } = await import('@temporalio/client');
      try {
        const connection = await Connection.connect({ address: `${uiHost}:${dev.port}`, connectTimeout: 2000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      } catch {
        return false;
      }
    },
  };
}

export function mlflowServer(settings: StackSettings): ServerDescription {
  const server = settings.mlflow.server;
  const state = stateDir();
  const backend = resolve(state, server.backendStore);
  const artifacts = resolve(state, server.artifactsDestination);
  const host = server.host === '0.0.0.0' ? '127.0.0.1' : server.host;
  const spec: ManagedProcessSpec = {
    name: 'mlflow',
    command: mlflowCli(),
    args: [
      'server',
      '--host', server.host, '--port', String(server.port),
      '--backend-store-uri', `sqlite:///${backend}`,
      // Artifacts go through the server's proxy so that remote workers can upload them.
      '--serve-artifacts', '--artifacts-destination', artifacts,
      '--workers', '2',
    ],
    pidFile: join(state, 'run', 'mlflow.pid'),
    logFile: join(state, 'logs', 'mlflow.log'),
    cmdlineMarker: 'mlflow',
    // The job runner (huey consumers for GenAI jobs) would add six ~250 MB processes we never use.
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
  };
  return {
    spec,
    host,
    ports: [{ port: server.port, role: 'HTTP' }],
    urls: { ui: `http://${host}:${server.port}` },
    healthy: () => httpOk(`http://${host}:${server.port}/health`),
  };
}
