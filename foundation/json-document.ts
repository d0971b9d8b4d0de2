/**
 * A JSON document read against its schema (a results file, a recorded config): bytes that are not
 * JSON, or JSON of the wrong shape, are an InputError naming the document, every problem with its
 * field path, and the fix. One reader, so every such document fails the same way.
 */
import type { z } from 'zod';
import { InputError } from './errors';
import { describeZodError } from './zod-issues';

export function parseJsonDocument<T extends z.ZodType>(bytes: Buffer, schema: T, where: { file: string; fix: string }): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InputError({ file: where.file, reason: 'is not JSON', fix: where.fix });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InputError({ file: where.file, reason: describeZodError(parsed.error, { root: '(root)' }), fix: where.fix });
  return parsed.data;
}
