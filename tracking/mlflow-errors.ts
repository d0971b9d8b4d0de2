/**
 * Errors of the MLflow client. They carry data (status, error code, endpoint) so that the activity
 * boundary can decide on retries without parsing messages. No message ever contains a credential:
 * endpoints are recorded as method + path (never the full URL), and the base URL is redacted.
 */

/** The server answered with an error (4xx, or 5xx/429 after the retries ran out). */
export class MlflowApiError extends Error {
  override readonly name = 'MlflowApiError';
  constructor(
    readonly details: {
      /** e.g. "POST /api/2.0/mlflow/runs/create" */
      endpoint: string;
      status: number;
      /** MLflow's error_code, e.g. RESOURCE_ALREADY_EXISTS, INVALID_PARAMETER_VALUE. */
      errorCode: string | undefined;
      serverMessage: string;
      /** True for 5xx and 429: the same request may succeed later. */
      retryable: boolean;
    },
  ) {
    super(
      `MLflow ${details.endpoint} failed with HTTP ${details.status}` +
        (details.errorCode ? ` ${details.errorCode}` : '') +
        (details.serverMessage ? `: ${details.serverMessage}` : ''),
    );
  }

  get errorCode(): string | undefined {
    return this.details.errorCode;
  }

  get status(): number {
    return this.details.status;
  }
}

/** The server could not be reached (or kept failing) for the whole retry budget. */
export class MlflowUnavailableError extends Error {
  override readonly name = 'MlflowUnavailableError';
  constructor(
    readonly details: { endpoint: string; baseUrl: string; attempts: number; elapsedMs: number; lastError: string },
  ) {
    super(
      `MLflow at ${details.baseUrl} unavailable: ${details.endpoint} failed ${details.attempts} times over ` +
        `${Math.round(details.elapsedMs / 1000)} s (last: ${details.lastError}). Fix: start the server ` +
        '(npm run stack:up) or point MLFLOW_TRACKING_URI at a running one; raise retry.totalTimeoutMs to wait longer.',
    );
  }
}

/** The server answered 2xx but with a body that does not match MLflow's documented response. */
export class MlflowProtocolError extends Error {
  override readonly name = 'MlflowProtocolError';
  constructor(readonly details: { endpoint: string; problem: string }) {
    super(`MLflow ${details.endpoint} returned an unexpected response: ${details.problem}`);
  }
}

export interface ParamConflict {
  key: string;
  loggedValue: string;
  newValue: string;
}

/**
 * A param was already logged on the run with a different value. MLflow params are immutable, so
 * this usually means the run key does not capture everything that the params depend on.
 */
export class ParamConflictError extends Error {
  override readonly name = 'ParamConflictError';
  constructor(readonly details: { runId: string; conflicts: ParamConflict[] }) {
    super(
      `run ${details.runId}: param${details.conflicts.length > 1 ? 's' : ''} already logged with a different value: ` +
        details.conflicts
          .map((c) => `${c.key} (logged ${JSON.stringify(clip(c.loggedValue))}, new ${JSON.stringify(clip(c.newValue))})`)
          .join('; ') +
        '. Fix: params are immutable in MLflow; include what changed in the run key so a new run is made.',
    );
  }
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** True when MLflow said the thing asked for does not exist (HTTP 404 / RESOURCE_DOES_NOT_EXIST). */
export function isMlflowNotFound(error: unknown): boolean {
  return error instanceof MlflowApiError && (error.status === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST');
}
