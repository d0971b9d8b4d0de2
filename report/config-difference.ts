/**
 * What differs between two recorded configs (config.json on two experiments' parent runs), as a
 * short list of dotted paths and the two values: `svm.C: 0.25 -> 4`. Objects are walked key by
 * key; a list of plain values (`classifiers`, `amounts`) is one value, so that adding a method
 * reads as one line, not as a shifted index per element; a list of objects of the same length
 * (`methods` with per-method options) is walked element by element (`methods.2.loss`). Pure:
 * `serflow compare` reads the configs, this only lines them up.
 */
import { experimentSchema } from '../configs/schema/experiment';

export interface ConfigDifference {
  /** Dotted path, list elements by index: `gan.lambdaCls`, `methods.2.loss`. */
  path: string;
  /** The value in A; undefined when A's config has no such field. */
  a: unknown;
  b: unknown;
}

/** Fields that name or file a run rather than say how it ran; left out of the differences. */
export const CONFIG_PATHS_NOT_COMPARED = ['name', 'description', 'tracking.experiment'] as const;

export interface ConfigDifferenceOptions {
  /** Paths (and everything under them) left out. Default CONFIG_PATHS_NOT_COMPARED. */
  ignore?: readonly string[];
}

/** Every path at which the two configs differ, sorted by path. */
export function configDifferences(a: unknown, b: unknown, options: ConfigDifferenceOptions = {}): ConfigDifference[] {
  const ignore = new Set(options.ignore ?? CONFIG_PATHS_NOT_COMPARED);
  const out: ConfigDifference[] = [];
  const walk = (x: unknown, y: unknown, path: string[]): void => {
    const at = path.join('.');
    if (ignore.has(at)) return;
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[key], y[key], [...path, key]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.some(isPlainObject) && y.some(isPlainObject)) {
      x.forEach((v, i) => walk(v, y[i], [...path, String(i)]));
      return;
    }
    if (!sameValue(x, y)) out.push({ path: at || '(config)', a: x, b: y });
  };
  walk(a, b, []);
  return out.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
}

/**
 * A recorded config as today's schema reads it, defaults of fields added since filled in, so that
 * a block a later serflow records by default (`gmm:` beside a config that uses no Gaussian
 * mixture) is no difference; the config as recorded when today's schema refuses it.
 */
export function withCurrentDefaults(config: unknown): unknown {
  const parsed = experimentSchema.safeParse(config);
  return parsed.success ? parsed.data : config;
}

/** A config value as one short line: JSON (keys sorted), `(absent)` for a missing field, cut at `max` characters. */
export function formatConfigValue(value: unknown, max = 80): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : canonical(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameValue(x: unknown, y: unknown): boolean {
  return canonical(x) === canonical(y);
}

/** JSON with object keys sorted, so that key order never reads as a difference. */
function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_key, value: unknown) => (isPlainObject(value)
    ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]))
    : value));
}
