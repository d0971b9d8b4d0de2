/**
 * Where the MLflow server is and how to authenticate to it. Credentials may come from the
 * environment (MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN, as the Python client
 * reads them) or from user:password@ in the URI; they are kept out of the base URL so that no
 * message or log line built from it can leak them.
 */
import { InputError } from '../foundation/errors';

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

export type MlflowAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface MlflowConnection {
  /** Without credentials and without a trailing slash, e.g. http://127.0.0.1:5000 */
  baseUrl: string;
  auth: MlflowAuth | undefined;
}

/** Replaces user:password@ in a URL by ***@ (and leaves anything that is not a URL alone). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

export function resolveConnection(
  options: { baseUrl?: string; auth?: MlflowAuth | null } = {},
  env: NodeJS.ProcessEnv = process.env,
): MlflowConnection {
  const raw = options.baseUrl ?? env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError({ field: 'MLFLOW_TRACKING_URI', reason: `not a URL: ${redactUrl(raw)}`, fix: 'use http(s)://host:port, e.g. http://127.0.0.1:5000' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError({
      field: 'MLFLOW_TRACKING_URI',
      reason: `serflow talks to an MLflow tracking server over HTTP, not ${url.protocol} (${redactUrl(raw)})`,
      fix: 'start a server (npm run stack:up) and set MLFLOW_TRACKING_URI=http://host:port',
    });
  }
  let auth: MlflowAuth | undefined;
  if (url.username || url.password) {
    auth = { kind: 'basic', username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
  }
  if (options.auth !== undefined) auth = options.auth ?? undefined;
  else if (env.MLFLOW_TRACKING_TOKEN) auth = { kind: 'bearer', token: env.MLFLOW_TRACKING_TOKEN };
  else if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD !== undefined) {
    auth = { kind: 'basic', username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  const baseUrl = url.toString().replace(/\/+$/, '');
  return { baseUrl, auth };
}

export function authorizationHeader(auth: MlflowAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}
