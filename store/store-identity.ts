/**
 * Which artifact store an artifact lives in. Every store has an id, written into the store the
 * first time it is asked for (`<store>/store-id`, one line): a local folder store gets its own, and
 * every machine that reaches the same MLflow artifact proxy reads the same one from there, however
 * it spells the server's address. Work is routed by it (composition/store-routing.ts): a worker
 * only takes tasks of experiments whose artifacts are in the store it has, so no worker ever gets
 * an input it cannot read.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export const STORE_ID_NAME = 'store-id';

const storeIdPattern = /^(local|mlflow)-[0-9a-f]{16}$/;

export const storeIdentitySchema = z.strictObject({
  /** `local-<16 hex>` or `mlflow-<16 hex>`, written once per store. */
  id: z.string().regex(storeIdPattern),
  /** Where the store is, for messages: the store's description (never credentials). */
  location: z.string(),
});

export type StoreIdentity = z.infer<typeof storeIdentitySchema>;

export function newStoreId(kind: 'local' | 'mlflow'): string {
  return `${kind}-${randomBytes(8).toString('hex')}`;
}

/** The id in a store-id file's text, or undefined when it is not one (cut short, hand-edited). */
export function parseStoreId(text: string): string | undefined {
  const id = text.trim();
  return storeIdPattern.test(id) ? id : undefined;
}

/** "local-3f… (local artifact store /x/.state/store)": how messages name a store. */
export function renderStore(store: StoreIdentity): string {
  return `${store.id} (${store.location})`;
}

/**
 * A store's id, read or created once per store object: later calls share the first answer; a
 * failed attempt is forgotten, so the next call tries again.
 */
export function storeIdOnce(readOrCreate: () => Promise<string>): () => Promise<string> {
  let id: Promise<string> | undefined;
  return () => (id ??= readOrCreate().catch((error: unknown) => {
    id = undefined;
    throw error;
  }));
}
