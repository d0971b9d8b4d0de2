/**
 * An artifact store shared by every machine that can reach the MLflow server, through its
 * artifact proxy (server started with --serve-artifacts), with no other shared infrastructure:
 *
 *   <prefix>/objects/<aa>/<sha256>   under the server's --artifacts-destination
 *   <prefix>/names/<name>.key        the key a name points at
 *
 * The prefix (default "serflow-store") sits beside MLflow's own per-experiment folders (named by
 * numeric experiment ids), so it cannot collide with them and MLflow's garbage collection of
 * deleted runs never touches it. It is not shown in the MLflow UI.
 *
 * The proxy writes uploads in place, so a crashed upload may leave a short object: put() skips an
 * upload only when an object of the same size is there, and get() re-hashes the bytes, removes a
 * bad object and throws ArtifactCorruptionError so a retry recomputes and re-uploads it.
 * Two machines putting the same key upload the same bytes: last write wins, harmlessly. Names are
 * last-writer-wins too.
 */
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ArtifactBody, MlflowClient } from '../tracking/mlflow-client';
import { isMlflowNotFound } from '../tracking/mlflow-errors';
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ArtifactContent, ArtifactStore, PutMeta } from './artifact-store';
import { assertValidKey, assertValidName, getNamedObject, isByteContent, objectRelativePath, sha256Hex, verifyOrEvict } from './artifact-store';
import { writeTempFile } from './atomic-file';
import { ArtifactNotFoundError } from './store-errors';
import { newStoreId, parseStoreId, STORE_ID_NAME, storeIdOnce, type StoreIdentity } from './store-identity';

export interface MlflowArtifactStoreOptions {
  /** Folder under the proxy root. Default "serflow-store". */
  prefix?: string;
  /** Where stream contents are spooled to learn their key before uploading. Default: the OS temp folder. */
  spoolFolder?: string;
  logger?: MinimalLogger;
}

export class MlflowArtifactStore implements ArtifactStore {
  readonly description: string;
  private readonly prefix: string;
  private readonly spoolFolder: string;
  private readonly logger: MinimalLogger | undefined;
  private readonly storeId = storeIdOnce(() => this.readOrCreateId());

  constructor(
    private readonly client: MlflowClient,
    options: MlflowArtifactStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'serflow-store';
    assertValidName(this.prefix);
    this.spoolFolder = options.spoolFolder ?? tmpdir();
    this.logger = options.logger;
    this.description = `MLflow artifact store ${client.baseUrl} ${this.prefix}/`;
  }

  async identity(): Promise<StoreIdentity> {
    return { id: await this.storeId(), location: this.description };
  }

  /**
   * The proxy has no create-if-absent: two machines creating the store in the same instant could
   * each write an id; the last write stays and both read it back after writing, so only a
   * process that read in between the two writes keeps the other id (it then works on queues of
   * its own until restarted: nothing is read from a store it cannot reach).
   */
  private async readOrCreateId(): Promise<string> {
    const path = `${this.prefix}/${STORE_ID_NAME}`;
    const read = () => this.client.downloadArtifact(path).then((b) => parseStoreId(b.toString('utf8')), (e: unknown) => {
      if (isMlflowNotFound(e)) return undefined;
      throw e;
    });
    const existing = await read();
    if (existing) return existing;
    await this.client.uploadArtifact(path, Buffer.from(`${newStoreId('mlflow')}\n`));
    const written = await read();
    if (!written) throw new Error(`${this.description}: ${STORE_ID_NAME} unreadable right after writing it`);
    return written;
  }

  async put(content: ArtifactContent, meta?: PutMeta): Promise<string> {
    if (isByteContent(content)) {
      const key = sha256Hex(content);
      await this.upload(key, content.length, content, meta);
      return key;
    }
    const temp = await writeTempFile(this.spoolFolder, content, this.spoolFolder);
    try {
      await this.upload(temp.sha256, temp.size, () => createReadStream(temp.path), meta);
      return temp.sha256;
    } finally {
      await unlink(temp.path).catch(() => undefined);
    }
  }

  async get(key: string): Promise<Buffer> {
    const path = this.objectPath(key);
    let bytes: Buffer;
    try {
      bytes = await this.client.downloadArtifact(path);
    } catch (error) {
      if (isMlflowNotFound(error)) throw new ArtifactNotFoundError({ store: this.description, key });
      throw error;
    }
    return verifyOrEvict(bytes, key, { store: this.description, remove: () => this.remove(key), logger: this.logger, message: 'corrupt shared artifact removed' });
  }

  async has(key: string): Promise<boolean> {
    return (await this.storedSize(key)) !== undefined;
  }

  async remove(key: string): Promise<void> {
    await this.client.deleteArtifact(this.objectPath(key)).catch((e: unknown) => {
      if (!isMlflowNotFound(e)) throw e;
    });
  }

  async putNamed(name: string, content: ArtifactContent, meta?: PutMeta): Promise<string> {
    assertValidName(name);
    const key = await this.put(content, meta);
    await this.client.uploadArtifact(this.namePath(name), Buffer.from(`${key}\n`));
    return key;
  }

  async setName(name: string, key: string): Promise<void> {
    assertValidName(name);
    if (!(await this.has(key))) throw new ArtifactNotFoundError({ store: this.description, key });
    await this.client.uploadArtifact(this.namePath(name), Buffer.from(`${key}\n`));
  }

  async resolveName(name: string): Promise<string | undefined> {
    assertValidName(name);
    let text: string;
    try {
      text = (await this.client.downloadArtifact(this.namePath(name))).toString('utf8');
    } catch (error) {
      if (isMlflowNotFound(error)) return undefined;
      throw error;
    }
    const key = text.trim();
    // A name entry cut short by a crashed upload is a miss: the work is redone and the entry rewritten.
    return /^[0-9a-f]{64}$/.test(key) ? key : undefined;
  }

  getNamed(name: string): Promise<Buffer | undefined> {
    return getNamedObject(this, name);
  }

  private async upload(key: string, size: number, body: ArtifactBody, meta: PutMeta | undefined): Promise<void> {
    if ((await this.storedSize(key)) === size) return;
    await this.client.uploadArtifact(this.objectPath(key), body);
    this.logger?.info({ key, size, label: meta?.label }, 'uploaded artifact to the shared store');
  }

  /** Size of the stored object, or undefined when there is none. */
  private async storedSize(key: string): Promise<number | undefined> {
    const path = this.objectPath(key);
    const folder = path.slice(0, path.lastIndexOf('/'));
    const entry = (await this.client.listArtifacts(folder)).find((f) => f.path === path && !f.is_dir);
    return entry ? (entry.file_size ?? -1) : undefined;
  }

  private objectPath(key: string): string {
    assertValidKey(key);
    return `${this.prefix}/objects/${objectRelativePath(key)}`;
  }

  private namePath(name: string): string {
    return `${this.prefix}/names/${name}.key`;
  }
}
