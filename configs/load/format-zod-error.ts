import type { z } from 'zod';
import { describeZodIssue } from '../../foundation/zod-issues';

/**
 * Renders every problem of a zod error on its own line with the file and its field path, e.g.
 * `temporal.yaml: temporal.devServer.port: expected a number, got "abc"`.
 */
export function formatZodError(file: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${file}: ${describeZodIssue(issue)}`).join('\n');
}
