/**
 * The few typed errors of serflow. They carry data (file, field, reason, expected, actual) and
 * a message that names the file, the field and the fix. The activity boundary maps them to
 * Temporal failures: InputError never retries (bad input stays bad), everything else may.
 */
export interface InputErrorDetails {
  /** File (or config path) the problem is in, when there is one. */
  file?: string;
  /** Field, column or config path of the problem. */
  field?: string;
  /** What is wrong, in a sentence. */
  reason: string;
  /** How to fix it, in a sentence. */
  fix?: string;
  expected?: unknown;
  actual?: unknown;
}

/** Bad input: a config, a data file, a corpus. Retrying cannot help. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly details: InputErrorDetails;

  constructor(details: InputErrorDetails) {
    super(renderInputError(details));
    this.details = details;
  }
}

export function renderInputError(d: InputErrorDetails): string {
  const where = [d.file, d.field].filter(Boolean).join(': ');
  let text = where ? `${where}: ${d.reason}` : d.reason;
  if (d.expected !== undefined) text += ` (expected ${fmt(d.expected)}, got ${fmt(d.actual)})`;
  if (d.fix) text += `. Fix: ${d.fix}`;
  return text;
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A numerical failure during training (NaN loss, divergence). Not retried blindly: the caller decides. */
export class NumericalError extends Error {
  override readonly name = 'NumericalError';
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}
