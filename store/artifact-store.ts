/**
 * A content-addressed artifact store: objects are keyed by the SHA-256 of their bytes (64 lower-case
 * hex characters), so a key names exactly one content, writes are idempotent, and every read can
 * be verified. A small name index (name -> key) on top serves memoisation: an activity stores its
 * result under the hash of its inputs and finds it again on a retry or a resumed sweep.
 *
 * Backends: local-folder-store.ts (one machine), mlflow-artifact-store.ts (shared through the
 * MLflow server), caching-store.ts (a local folder in front of a shared store).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputError } from '../foundation/errors';
import type { MinimalLogger } from '../foundation/minimal-logger';
import { ArtifactCorruptionError, ArtifactNotFoundError } from './store-errors';
import type { StoreIdentity } from './store-identity';

/** Bytes, or a stream of them (read once). */
export type ArtifactContent = Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** Informative only (log lines, error messages): not stored, not part of the key. */
export interface PutMeta {
  label?: string;
}

export interface ArtifactStore {
  /** Where the store is, for messages (never contains credentials). */
  readonly description: string;
  /** The store's id (written into the store on first use) and location: what routes work to workers that can read it. */
  identity(): Promise<StoreIdentity>;
  /** Stores the content and returns its key (sha256 hex). Idempotent. */
  put(content: ArtifactContent, meta?: PutMeta): Promise<string>;
  /** The verified bytes; ArtifactNotFoundError, or ArtifactCorruptionError (after removing the bad object). */
  get(key: string): Promise<Buffer>;
  /** Whether an object is stored under the key (not verified: get verifies). */
  has(key: string): Promise<boolean>;
  /** Removes the object if present. */
  remove(key: string): Promise<void>;
  /** Stores the content and points `name` at it (the last writer of a name wins). Returns the key. */
  putNamed(name: string, content: ArtifactContent, meta?: PutMeta): Promise<string>;
  /** Points `name` at an object already stored (ArtifactNotFoundError if it is not). */
  setName(name: string, key: string): Promise<void>;
  /** The key `name` points at, or undefined. */
  resolveName(name: string): Promise<string | undefined>;
  /** The verified bytes `name` points at; undefined when the name or its object is missing. */
  getNamed(name: string): Promise<Buffer | undefined>;
}

const KEY = /^[0-9a-f]{64}$/;
// No leading dot: names never look like the stores' own temporary files (.tmp-*).
const NAME_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
export const MAX_NAME_LENGTH = 200;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function assertValidKey(key: string): void {
  if (!KEY.test(key)) {
    throw new InputError({ field: 'artifact key', reason: `not a SHA-256 hex key: ${JSON.stringify(key.slice(0, 80))}`, fix: 'use the key returned by put()' });
  }
}

/**
 * Names are relative paths of plain segments, so that no name can reach outside the store's
 * name index (no "..", no absolute paths, no backslashes, no empty segments).
 */
export function assertValidName(name: string): void {
  const problem =
    name.length === 0
      ? 'is empty'
      : name.length > MAX_NAME_LENGTH
        ? `is longer than ${MAX_NAME_LENGTH} characters`
        : name.startsWith('/')
          ? 'is an absolute path'
          : name.split('/').some((s) => s === '.' || s === '..')
            ? 'contains a "." or ".." segment'
            : !name.split('/').every((s) => NAME_SEGMENT.test(s))
              ? 'must be segments of letters, digits, ".", "_" or "-" (not starting with ".") separated by single "/"'
              : undefined;
  if (problem) {
    throw new InputError({ field: 'artifact name', reason: `${JSON.stringify(name.slice(0, 80))} ${problem}`, fix: 'use a name such as "features/<input-hash>"' });
  }
}

export function isByteContent(content: ArtifactContent): content is Buffer | Uint8Array {
  return content instanceof Uint8Array;
}

/** Objects are spread over 256 folders by the first two hex digits, to keep folders small. */
export function objectRelativePath(key: string): string {
  return `${key.slice(0, 2)}/${key}`;
}

/** getNamed in terms of resolveName and get: a name whose object is gone is a miss, not an error. */
export async function getNamedObject(store: Pick<ArtifactStore, 'resolveName' | 'get'>, name: string): Promise<Buffer | undefined> {
  const key = await store.resolveName(name);
  if (key === undefined) return undefined;
  try {
    return await store.get(key);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The check behind every backend's get(): bytes that hash to `key` are returned as they are.
 * Other bytes are a corrupt object: it is removed through `remove` (the backend's own remove(),
 * for which an object already gone is no error), so that the next attempt recomputes it instead
 * of failing on it again; logged as a warning with `message` and `context`; and thrown as
 * ArtifactCorruptionError. A removal that fails is reported (removed: false, in the log and the
 * error), not thrown: the corruption is what the caller must hear of.
 */
export async function verifyOrEvict(
  bytes: Buffer,
  key: string,
  object: { store: string; remove: () => Promise<void>; logger: MinimalLogger | undefined; message: string; context?: Record<string, unknown> },
): Promise<Buffer> {
  const actualHash = sha256Hex(bytes);
  if (actualHash === key) return bytes;
  let removed = true;
  await object.remove().catch(() => {
    removed = false;
  });
  object.logger?.warn({ key, actualHash, size: bytes.length, ...object.context, removed }, object.message);
  throw new ArtifactCorruptionError({ store: object.store, key, actualHash, size: bytes.length, removed });
}
