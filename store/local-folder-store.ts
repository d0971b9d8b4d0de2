/**
 * The artifact store of one machine: a folder.
 *
 *   <root>/objects/<aa>/<sha256>   the bytes whose SHA-256 is the file name (aa = its first 2 hex digits)
 *   <root>/names/<name>.key        the key the name points at, one line of hex (the suffix lets
 *                                  names "a" and "a/b" coexist)
 *
 * Writes are atomic (store/atomic-file.ts): a crash or a full disk never leaves a partial object
 * under its final name, and a full or read-only folder is a StoreWriteError naming the folder and
 * the fix. Reads re-hash the bytes: an object that was truncated or altered on disk is removed
 * and reported as ArtifactCorruptionError, so the next attempt recomputes it.
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InputError } from '../foundation/errors';
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ArtifactContent, ArtifactStore, PutMeta } from './artifact-store';
import { assertValidKey, assertValidName, getNamedObject, objectRelativePath, verifyOrEvict } from './artifact-store';
import { commitTempFile, TEMP_PREFIX, writeFileAtomic, writeFileOnce, writeTempFile } from './atomic-file';
import { ArtifactNotFoundError } from './store-errors';
import { newStoreId, parseStoreId, STORE_ID_NAME, storeIdOnce, type StoreIdentity } from './store-identity';

export interface LocalFolderStoreOptions {
  logger?: MinimalLogger;
}

export class LocalFolderStore implements ArtifactStore {
  readonly root: string;
  readonly description: string;
  private readonly logger: MinimalLogger | undefined;
  private readonly storeId = storeIdOnce(() => this.readOrCreateId());

  constructor(root: string, options: LocalFolderStoreOptions = {}) {
    this.root = resolve(root);
    this.description = `local artifact store ${this.root}`;
    this.logger = options.logger;
  }

  async identity(): Promise<StoreIdentity> {
    return { id: await this.storeId(), location: this.description };
  }

  private async readOrCreateId(): Promise<string> {
    const path = join(this.root, STORE_ID_NAME);
    const read = () => readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    let text = await read();
    if (text === undefined) {
      // Of processes creating the store at once, one id wins and all read it.
      await writeFileOnce(path, Buffer.from(`${newStoreId('local')}\n`), this.root);
      text = await read();
    }
    const id = text === undefined ? undefined : parseStoreId(text);
    if (!id) {
      throw new InputError({ file: path, reason: `is not a store id (expected one line "local-<16 hex digits>")`, fix: 'delete the file: a new id is written, and workers of the old id no longer share this store' });
    }
    return id;
  }

  /** Where the object with this key lives (whether or not it is there). */
  objectPath(key: string): string {
    assertValidKey(key);
    return join(this.root, 'objects', ...objectRelativePath(key).split('/'));
  }

  async put(content: ArtifactContent, meta?: PutMeta): Promise<string> {
    // Streams have no key until read to the end, so they land in objects/ and move into <aa>/.
    const temp = await writeTempFile(join(this.root, 'objects'), content, this.root);
    // Renaming over an existing object is harmless (same bytes) and repairs a corrupt one.
    await commitTempFile(temp.path, this.objectPath(temp.sha256), this.root);
    this.logger?.info({ key: temp.sha256, size: temp.size, label: meta?.label, store: this.root }, 'stored artifact');
    return temp.sha256;
  }

  async get(key: string): Promise<Buffer> {
    const path = this.objectPath(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError({ store: this.description, key });
      throw error;
    }
    return verifyOrEvict(bytes, key, { store: this.description, remove: () => this.remove(key), logger: this.logger, message: 'corrupt artifact removed', context: { path } });
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.objectPath(key))).isFile();
    } catch {
      return false;
    }
  }

  async remove(key: string): Promise<void> {
    await unlink(this.objectPath(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async putNamed(name: string, content: ArtifactContent, meta?: PutMeta): Promise<string> {
    const path = this.namePath(name);
    const key = await this.put(content, meta);
    await writeFileAtomic(path, Buffer.from(`${key}\n`), this.root);
    return key;
  }

  async setName(name: string, key: string): Promise<void> {
    if (!(await this.has(key))) throw new ArtifactNotFoundError({ store: this.description, key });
    await writeFileAtomic(this.namePath(name), Buffer.from(`${key}\n`), this.root);
  }

  async resolveName(name: string): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.namePath(name), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    const key = text.trim();
    if (!/^[0-9a-f]{64}$/.test(key)) {
      // Only a hand edit can do this (writes are atomic): treat it as a miss and clean up.
      this.logger?.warn({ name, store: this.root }, 'unreadable name entry removed');
      await unlink(this.namePath(name)).catch(() => undefined);
      return undefined;
    }
    return key;
  }

  getNamed(name: string): Promise<Buffer | undefined> {
    return getNamedObject(this, name);
  }

  /**
   * Deletes temporary files left by writers that died mid-write (they are never read, only
   * waste space). Files younger than `olderThanMs` (default 1 h) may belong to a live writer.
   * Returns how many were removed.
   */
  async removeStaleTemporaryFiles(olderThanMs = 3_600_000): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const folder of ['objects', 'names']) {
      let entries;
      try {
        entries = await readdir(join(this.root, folder), { withFileTypes: true, recursive: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.startsWith(TEMP_PREFIX)) continue;
        const path = join(entry.parentPath, entry.name);
        try {
          if ((await stat(path)).mtimeMs < cutoff) {
            await unlink(path);
            removed++;
          }
        } catch {
          // Renamed or removed meanwhile by its writer or another sweeper.
        }
      }
    }
    return removed;
  }

  private namePath(name: string): string {
    assertValidName(name);
    const names = join(this.root, 'names');
    const path = `${resolve(names, ...name.split('/'))}.key`;
    // Belt and braces: validation already rules out "..", absolute paths and backslashes.
    if (!path.startsWith(names + sep)) {
      throw new InputError({ field: 'artifact name', reason: `${JSON.stringify(name)} resolves outside the store`, fix: 'use a relative name without ".."' });
    }
    return path;
  }
}
