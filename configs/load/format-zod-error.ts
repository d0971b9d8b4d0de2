import type { z } from 'zod';

/**
 * Renders every problem of a zod error on its own line with its field path, e.g.
 * `temporal.yaml: temporal.devServer.port: expected a number, got "abc"`.
 */
export function formatZodError(file: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      message += ` (allowed: ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
    }
    if (issue.code === 'unrecognized_keys' && 'keys' in issue) {
      message = `unknown field(s) ${(issue.keys as string[]).map((k) => JSON.stringify(k)).join(', ')}: check the spelling`;
    }
    return `${file}: ${path}: ${message}`;
  });
  return lines.join('\n');
}
