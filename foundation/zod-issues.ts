/**
 * zod problems rendered as text, one way for every boundary (configs, MLflow responses,
 * checkpoint headers, results files): each issue with its field path, allowed values spelt
 * out, unknown keys named. Errors stay data (zod's issues) until here.
 */
import type { z } from 'zod';

/** One issue as `path: message`; `prefix` is put before the issue's own path (e.g. a spec's field). */
export function describeZodIssue(issue: z.core.$ZodIssue, options: { prefix?: readonly string[]; root?: string } = {}): string {
  const parts = [...(options.prefix ?? []), ...issue.path.map(String)];
  const path = parts.length ? parts.join('.') : (options.root ?? '(top level)');
  let message = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    message += ` (allowed: ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
  }
  if (issue.code === 'unrecognized_keys' && 'keys' in issue) {
    message = `unknown field(s) ${(issue.keys as string[]).map((k) => JSON.stringify(k)).join(', ')}: check the spelling`;
  }
  return `${path}: ${message}`;
}

/** Every issue of an error, joined by `separator` ('; ' for one-line reasons, '\n' for reports). */
export function describeZodError(error: z.ZodError, options: { prefix?: readonly string[]; root?: string; separator?: string } = {}): string {
  return error.issues.map((issue) => describeZodIssue(issue, options)).join(options.separator ?? '; ');
}
