/**
 * Secret redaction for everything serflow prints, logs or sends to MLflow: credentials in URLs
 * (`https://user:pass@host`), bearer tokens, and values of fields whose names say "secret".
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+):([^\s/@]+)@/gi;
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
// HTTP basic credentials (base64 of user:password), e.g. echoed back by a server or a proxy.
const BASIC = /(basic\s+)[A-Za-z0-9+/]{4,}={0,2}/gi;
const SECRET_ASSIGNMENT = /((?:password|passwd|token|secret|api[_-]?key)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

export const REDACTED = '[REDACTED]';

export function redactText(text: string): string {
  return text
    .replace(URL_CREDENTIALS, `$1$2:${REDACTED}@`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(BASIC, `$1${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, `$1${REDACTED}`);
}

const SECRET_KEY = /(password|passwd|token|secret|api[_-]?key|authorization|credential)/i;

/** Deep copy of a value with secret-named fields and secrets inside strings redacted. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redactValue(v, depth + 1);
    return out;
  }
  return value;
}
