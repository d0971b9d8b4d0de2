/**
 * What the MLflow integration tests share: the server under test (env MLFLOW_TRACKING_URI, set by
 * infra/test.sh), unique names so that runs of the tests never see each other's data, and a tiny
 * HTTP proxy in front of the server that can fail on purpose (the client's retries are what the
 * outage tests are about; the server behind the proxy is real).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export function trackingUri(): string {
  const uri = process.env.MLFLOW_TRACKING_URI;
  assert.ok(uri, 'set MLFLOW_TRACKING_URI to a running MLflow server, e.g. http://127.0.0.1:5055 (npm test starts one)');
  return uri;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`;
}

export interface ProxyRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FlakyProxy {
  url: string;
  port: number;
  requests: ProxyRequest[];
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port). Each request is first offered to `fail`: a
 * status (with optional headers) is answered directly; undefined forwards the request to MLflow.
 */
export async function startFlakyProxy(
  target: string,
  fail: (n: number, req: ProxyRequest) => { status: number; headers?: Record<string, string>; body?: string } | undefined,
  port = 0,
): Promise<FlakyProxy> {
  const requests: ProxyRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: ProxyRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(seen);
      const failure = fail(requests.length, seen);
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
        res.end(failure.body ?? JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected by the test proxy' }));
        return;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding', 'authorization'].includes(k)) headers[k] = v;
      }
      fetch(new URL(seen.url, target), { method: seen.method, headers, body: body && seen.method !== 'GET' ? body : undefined })
        .then(async (upstream) => {
          const bytes = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
          res.end(bytes);
        })
        .catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that nothing listens on (just now). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
