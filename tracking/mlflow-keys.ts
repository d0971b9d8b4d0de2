/**
 * Client-side checks of metric, param and tag keys and values, so that a bad key fails at once
 * with a clear InputError instead of as an opaque 400 (or worse: some server versions and stores
 * accept keys such as "a..b" that others reject, and over-long values may be truncated silently).
 */
import { InputError } from '../foundation/errors';

/** MLflow's own limits (mlflow/utils/validation.py, 3.17). */
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

const KEY_CHARS = /^[A-Za-z0-9_\-./ :]+$/;

export type KeyKind = 'metric' | 'param' | 'tag';

/** Why `key` is not a valid MLflow key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`;
  if (!KEY_CHARS.test(key)) return 'may contain only letters, digits, "_", "-", ".", "/", ":" and spaces';
  // The server treats keys as file paths and rejects those that normalise to something else.
  if (key.startsWith('/') || key.endsWith('/') || key.includes('//')) return 'must not start or end with "/" or contain "//"';
  if (key.split('/').some((segment) => segment === '.' || segment === '..') || key.includes('..')) return 'must not contain ".." or "." path segments';
  return undefined;
}

export function assertValidKey(kind: KeyKind, key: string): void {
  const problem = keyProblem(key);
  if (problem) {
    throw new InputError({
      field: `${kind} key ${JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key)}`,
      reason: `invalid MLflow ${kind} key: it ${problem}`,
      fix: 'rename it using letters, digits, "_ - . / :" and spaces only, at most 250 characters',
    });
  }
}

export function assertValidParamValue(key: string, value: string): void {
  if (value.length > MAX_PARAM_VALUE_LENGTH) {
    throw new InputError({
      field: `param ${key}`,
      reason: `value is ${value.length} characters long; MLflow keeps at most ${MAX_PARAM_VALUE_LENGTH}`,
      fix: 'log a hash of the value as the param and the full value as an artifact',
    });
  }
}

export function assertValidTagValue(key: string, value: string): void {
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    throw new InputError({
      field: `tag ${key}`,
      reason: `value is ${value.length} characters long; MLflow keeps at most ${MAX_TAG_VALUE_LENGTH}`,
      fix: 'store the full value as an artifact and tag its path or hash',
    });
  }
}

export function assertValidArtifactPath(path: string): void {
  const problem = path.length === 0 ? 'is empty' : path.split('/').some((s) => s === '' || s === '.' || s === '..') ? 'has an empty, "." or ".." segment (or a leading/trailing "/")' : /[\\\0?#%]/.test(path) ? 'contains one of \\ NUL ? # %' : undefined;
  if (problem) {
    throw new InputError({ field: `artifact path ${JSON.stringify(path)}`, reason: `invalid artifact path: it ${problem}`, fix: 'use a relative path of plain names separated by "/"' });
  }
}

/**
 * Tags of an expected adjustment to what a config asked (a GAN batch lowered to the smallest
 * class): `serflow.adjustment.<kind>` = what was done and why, on the run it happened in and on its
 * experiment's parent run, which `serflow report` lists. Recorded, not warned about.
 */
export const ADJUSTMENT_TAG_PREFIX = 'serflow.adjustment.';
