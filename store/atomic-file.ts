/**
 * Crash-safe file writes: the bytes go to a temporary file next to the target (same file
 * system), are fsynced, and only then renamed over the target, and the folder is fsynced so the
 * rename itself survives a power cut. A crash leaves either the old file or the new one, plus at
 * worst a stray `.tmp-*` file; never a partial file under the final name.
 */
import { randomBytes, createHash } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactContent } from './artifact-store';
import { StoreWriteError } from './store-errors';

export const TEMP_PREFIX = '.tmp-';

export interface TempFile {
  path: string;
  sha256: string;
  size: number;
}

/** Writes content to a fresh temporary file in `folder`, hashing it on the way; fsynced. */
export async function writeTempFile(folder: string, content: ArtifactContent, storeRoot: string): Promise<TempFile> {
  await ensureFolder(folder, storeRoot);
  const path = join(folder, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  let handle;
  try {
    handle = await open(path, 'wx');
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = content instanceof Uint8Array ? [content] : content;
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(bytes);
      size += bytes.length;
      let offset = 0;
      while (offset < bytes.length) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    return { path, sha256: hash.digest('hex'), size };
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw asStoreWriteError(error, folder, storeRoot);
  }
}

/** Renames the temporary file over `target` and makes the rename durable. */
export async function commitTempFile(temp: string, target: string, storeRoot: string): Promise<void> {
  const folder = dirname(target);
  try {
    await ensureFolder(folder, storeRoot);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw asStoreWriteError(error, folder, storeRoot);
  }
  await syncFolder(folder);
}

export async function writeFileAtomic(target: string, content: Uint8Array, storeRoot: string): Promise<void> {
  const temp = await writeTempFile(dirname(target), content, storeRoot);
  await commitTempFile(temp.path, target, storeRoot);
}

/**
 * Writes `target` unless it exists (a hard link of a complete temporary file, which never
 * replaces an existing file): of two writers racing, exactly one wins and both read its content.
 * Returns whether this call wrote it.
 */
export async function writeFileOnce(target: string, content: Uint8Array, storeRoot: string): Promise<boolean> {
  const temp = await writeTempFile(dirname(target), content, storeRoot);
  try {
    await link(temp.path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asStoreWriteError(error, dirname(target), storeRoot);
  } finally {
    await unlink(temp.path).catch(() => undefined);
  }
  await syncFolder(dirname(target));
  return true;
}

async function ensureFolder(folder: string, storeRoot: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw asStoreWriteError(await realMkdirError(folder, error), folder, storeRoot);
  }
}

/**
 * Node's recursive mkdir reports ENOENT where the file system said EROFS (seen on Node 20):
 * create the folders one by one to learn the real reason.
 */
async function realMkdirError(folder: string, error: unknown): Promise<unknown> {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  const chain: string[] = [];
  for (let f = folder; dirname(f) !== f; f = dirname(f)) chain.unshift(f);
  for (const f of chain) {
    try {
      await mkdir(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      return e;
    }
  }
  return error;
}

async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a folder; the file itself is already durable.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Turns the errno of a failed write into an error that names the folder and the fix. */
export function asStoreWriteError(error: unknown, folder: string, storeRoot: string): unknown {
  if (error instanceof StoreWriteError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const elsewhere = `or point the artifact store at another folder (now ${storeRoot})`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new StoreWriteError({ folder, code, reason: 'the disk is full (or the quota is used up); nothing was stored', fix: `free space on that disk ${elsewhere}` });
    case 'EROFS':
      return new StoreWriteError({ folder, code, reason: 'the file system is read-only; nothing was stored', fix: `remount it read-write ${elsewhere}` });
    case 'EACCES':
    case 'EPERM':
      return new StoreWriteError({ folder, code, reason: 'no permission to write there; nothing was stored', fix: `give this user write access (chown/chmod) ${elsewhere}` });
    case 'ENOTDIR':
    case 'EEXIST':
      return new StoreWriteError({ folder, code, reason: 'a file is in the way where a folder should be; nothing was stored', fix: `move that file away ${elsewhere}` });
    default:
      return error;
  }
}
