/**
 * Splits a log-batch into requests that MLflow accepts: at most 1000 metrics, 100 params,
 * 100 tags and 1000 entities in all per request, and a JSON body under 1 MB (the server checks
 * the length of the raw body). Params and tags go first: a retry after a partial failure then
 * finds them logged before any metric that depends on them.
 */

export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  entities: 1000,
  // MLflow rejects bodies over 1e6 bytes; the margin covers the envelope and the run id.
  bytes: 1_000_000 - 4_096,
} as const;

export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface WireKeyValue {
  key: string;
  value: string;
}

export interface LogBatchChunk {
  metrics: WireMetric[];
  params: WireKeyValue[];
  tags: WireKeyValue[];
}

type Item = { kind: 'params' | 'tags'; item: WireKeyValue } | { kind: 'metrics'; item: WireMetric };

export function chunkLogBatch(
  batch: LogBatchChunk,
  limits: { metrics: number; params: number; tags: number; entities: number; bytes: number } = LOG_BATCH_LIMITS,
): LogBatchChunk[] {
  const items: Item[] = [
    ...batch.params.map((item) => ({ kind: 'params' as const, item })),
    ...batch.tags.map((item) => ({ kind: 'tags' as const, item })),
    ...batch.metrics.map((item) => ({ kind: 'metrics' as const, item })),
  ];
  const chunks: LogBatchChunk[] = [];
  let current: LogBatchChunk = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  let entities = 0;
  for (const entry of items) {
    const size = Buffer.byteLength(JSON.stringify(entry.item)) + 1;
    if (size > limits.bytes) throw new Error(`a single ${entry.kind} entry (${entry.item.key}) is ${size} bytes, over the log-batch size limit`);
    const full =
      current[entry.kind].length >= limits[entry.kind] || entities >= limits.entities || bytes + size > limits.bytes;
    if (full) {
      chunks.push(current);
      current = { metrics: [], params: [], tags: [] };
      bytes = 0;
      entities = 0;
    }
    if (entry.kind === 'metrics') current.metrics.push(entry.item);
    else current[entry.kind].push(entry.item);
    bytes += size;
    entities += 1;
  }
  if (entities > 0) chunks.push(current);
  return chunks;
}
