import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../../foundation/errors';
import { formatZodError } from './format-zod-error';

/** Reads a YAML file and validates it against a schema; every problem is reported with its path. */
export function loadYaml<S extends z.ZodType>(file: string, schema: S, overrides: (raw: unknown) => unknown = (r) => r): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError({ file, reason: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, fix: 'check the path' });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new InputError({ file, reason: `not valid YAML: ${(err as Error).message.split('\n')[0]}`, fix: 'fix the YAML syntax' });
  }
  const result = schema.safeParse(overrides(raw));
  if (!result.success) {
    const err = new InputError({ file, reason: 'invalid settings' });
    err.message = formatZodError(file, result.error);
    throw err;
  }
  return result.data;
}
