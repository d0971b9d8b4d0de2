/**
 * A config as MLflow params: dotted paths to leaves; arrays as JSON. Values longer than MLflow's
 * limit are cut with a marker (the whole config is also logged as an artifact).
 */
const MAX_VALUE = 6000;

export function flattenForParams(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) flattenForParams(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  out[prefix] = text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 20)}...[truncated]` : text;
  return out;
}
