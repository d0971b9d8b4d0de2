/**
 * A local folder in front of a shared store (typically MlflowArtifactStore): reads go to the
 * folder first and fall through to the shared store, filling the folder; writes go to both
 * (write-through), so another machine can read what this one made as soon as put() returns.
 *
 * The shared store is the truth for names: another machine may have re-pointed a name, so names
 * are always resolved there (and copied into the folder). Objects never change under a key, so a
 * cached object is as good as the shared one; a corrupt cached object is removed by the folder
 * store and fetched again from the shared store.
 */
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ArtifactContent, ArtifactStore, PutMeta } from './artifact-store';
import { isByteContent } from './artifact-store';
import type { LocalFolderStore } from './local-folder-store';
import { ArtifactCorruptionError, ArtifactNotFoundError } from './store-errors';
import type { StoreIdentity } from './store-identity';

export class CachingStore implements ArtifactStore {
  readonly description: string;

  constructor(
    readonly cache: LocalFolderStore,
    readonly shared: ArtifactStore,
    private readonly options: { logger?: MinimalLogger } = {},
  ) {
    this.description = `${shared.description} (cached in ${cache.root})`;
  }

  /** The shared store's: the cache is this machine's copy of it, not a store of its own. */
  identity(): Promise<StoreIdentity> {
    return this.shared.identity();
  }

  async put(content: ArtifactContent, meta?: PutMeta): Promise<string> {
    const key = await this.cache.put(content, meta);
    // A stream was consumed by the folder store: upload what it wrote (read back and verified).
    const bytes = isByteContent(content) ? content : await this.cache.get(key);
    await this.shared.put(bytes, meta);
    return key;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await this.cache.get(key);
    } catch (error) {
      if (error instanceof ArtifactCorruptionError) this.options.logger?.warn({ key }, 'cached artifact corrupt; fetching it again from the shared store');
      else if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
    const bytes = await this.shared.get(key);
    try {
      await this.cache.put(bytes);
    } catch (error) {
      // A full cache disk must not fail a read that succeeded.
      this.options.logger?.warn({ key, error: String(error) }, 'could not cache artifact locally');
    }
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    return (await this.cache.has(key)) || this.shared.has(key);
  }

  async remove(key: string): Promise<void> {
    await this.cache.remove(key);
    await this.shared.remove(key);
  }

  async putNamed(name: string, content: ArtifactContent, meta?: PutMeta): Promise<string> {
    const key = await this.put(content, meta);
    await this.shared.setName(name, key);
    await this.cache.setName(name, key);
    return key;
  }

  async setName(name: string, key: string): Promise<void> {
    await this.shared.setName(name, key);
    if (await this.cache.has(key)) await this.cache.setName(name, key);
  }

  async resolveName(name: string): Promise<string | undefined> {
    return this.shared.resolveName(name);
  }

  async getNamed(name: string): Promise<Buffer | undefined> {
    const key = await this.resolveName(name);
    if (key === undefined) return undefined;
    let bytes: Buffer;
    try {
      bytes = await this.get(key);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
    await this.cache.setName(name, key).catch(() => undefined);
    return bytes;
  }
}
