/**
 * Connections to the Temporal server from temporal.yaml (address, namespace, TLS). A worker or
 * client does not retry its first connection by itself: these wait, then fail with one message
 * that says what to do.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { StackSettings } from '../../configs/schema/stack-settings';
import { StackError } from '../stack/stack';

function tlsOptions(settings: StackSettings) {
  const tls = settings.temporal.tls;
  if (!tls.enabled) return undefined;
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverRootCaCertPath ? { serverRootCACertificate: readFileSync(tls.serverRootCaCertPath) } : {}),
    ...(tls.clientCertPath && tls.clientKeyPath
      ? { clientCertPair: { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) } }
      : {}),
  };
}

async function withRetry<T>(what: string, address: string, attempt: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new StackError(
    `cannot reach the Temporal server at ${address} for the ${what} (${(lastError as Error)?.message ?? lastError}). ` +
      'Fix: run `serflow stack up`, or set TEMPORAL_ADDRESS to a running server.',
  );
}

export async function connectClient(settings: StackSettings, waitMs = 30_000): Promise<Client> {
  const address = settings.temporal.address;
  const tls = tlsOptions(settings);
  const connection = await withRetry('client', address, () => Connection.connect({ address, ...(tls ? { tls } : {}), connectTimeout: 5000 }), waitMs);
  return new Client({ connection, namespace: settings.temporal.namespace });
}

export async function connectWorker(settings: StackSettings, waitMs = 30_000): Promise<NativeConnection> {
  const address = settings.temporal.address;
  const tls = tlsOptions(settings);
  return withRetry('worker', address, () => NativeConnection.connect({ address, ...(tls ? { tls } : {}) }), waitMs);
}
