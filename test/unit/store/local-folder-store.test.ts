import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { InputError } from '../../../foundation/errors';
import { LocalFolderStore } from '../../../store/local-folder-store';
import { ArtifactCorruptionError, ArtifactNotFoundError, StoreWriteError } from '../../../store/store-errors';
import { useScratchFolder } from '../../support/scratch-folder';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every file under a folder, relative to it. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(dir.length + 1));
  }
  return out.sort();
}

const scratch = useScratchFolder('serflow-store-');

describe('LocalFolderStore', () => {
  it('stores bytes and streams under their sha256 and reads them back', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'basic'));
    const bytes = Buffer.from('features of fold 3\n'.repeat(1000));
    const key = await store.put(bytes);
    assert.equal(key, sha(bytes));
    assert.deepEqual(await store.get(key), bytes);
    assert.equal(await store.has(key), true);
    // The same content as a stream of uneven chunks gets the same key, and putting twice is harmless.
    const streamKey = await store.put(Readable.from([bytes.subarray(0, 7), bytes.subarray(7, 5000), bytes.subarray(5000)]));
    assert.equal(streamKey, key);
    assert.equal(await store.put(bytes), key);
    assert.deepEqual(await files(store.root), [`objects/${key.slice(0, 2)}/${key}`]);
  });

  it('reports a missing key and rejects a malformed one', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'missing'));
    await assert.rejects(store.get('0'.repeat(64)), ArtifactNotFoundError);
    assert.equal(await store.has('0'.repeat(64)), false);
    await assert.rejects(store.get('../../etc/passwd'), InputError);
    await assert.rejects(store.get('A'.repeat(64)), InputError);
  });

  it('detects a truncated object by its hash, removes it, and a new put repairs it', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'truncated'));
    const bytes = Buffer.alloc(10_000, 7);
    const key = await store.put(bytes);
    await truncate(store.objectPath(key), 4096);
    await assert.rejects(store.get(key), (err: unknown) => {
      assert.ok(err instanceof ArtifactCorruptionError);
      assert.equal(err.details.key, key);
      assert.equal(err.details.size, 4096);
      assert.equal(err.details.removed, true);
      return true;
    });
    assert.equal(existsSync(store.objectPath(key)), false, 'the bad object is removed so it can be recomputed');
    assert.equal(await store.has(key), false);
    await store.put(bytes);
    assert.deepEqual(await store.get(key), bytes);
  });

  it('detects a same-length alteration (one flipped byte)', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'altered'));
    const bytes = Buffer.from('0123456789abcdef');
    const key = await store.put(bytes);
    const altered = Buffer.from(bytes);
    altered[3] = altered[3]! ^ 1;
    await writeFile(store.objectPath(key), altered);
    await assert.rejects(store.get(key), ArtifactCorruptionError);
    await assert.rejects(store.get(key), ArtifactNotFoundError);
  });

  it('leaves no artifact and no temporary file when the content stream fails half-way', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'failing-stream'));
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(64 * 1024, 1);
      throw new Error('upstream died');
    }
    await assert.rejects(store.put(broken()), /upstream died/);
    assert.deepEqual(await files(store.root), []);
  });

  it('sweeps temporary files left by a writer that died, and only old ones', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'stale'));
    const key = await store.put(Buffer.from('kept'));
    const stale = join(store.root, 'objects', '.tmp-999-dead');
    const fresh = join(store.root, 'objects', key.slice(0, 2), '.tmp-999-live');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    await utimes(stale, new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000));
    assert.equal(await store.removeStaleTemporaryFiles(), 1);
    assert.deepEqual(await files(store.root), [`objects/${key.slice(0, 2)}/.tmp-999-live`, `objects/${key.slice(0, 2)}/${key}`]);
    assert.deepEqual(await store.get(key), Buffer.from('kept'));
  });

  it('keeps a name index: put, resolve, get; names "a" and "a/b" coexist; last writer wins', async () => {
    const store = new LocalFolderStore(join(scratch.path, 'names'));
    const one = Buffer.from('one');
    const two = Buffer.from('two');
    const k1 = await store.putNamed('memo/a', one);
    const k2 = await store.putNamed('memo/a/b', two);
    assert.equal(await store.resolveName('memo/a'), k1);
    assert.deepEqual(await store.getNamed('memo/a/b'), two);
    assert.equal(await store.getNamed('memo/none'), undefined);
    await store.setName('memo/a', k2);
    assert.deepEqual(await store.getNamed('memo/a'), two);
    await assert.rejects(store.setName('memo/c', '1'.repeat(64)), ArtifactNotFoundError);
    // A name whose object went away is a miss (to be recomputed), not an error.
    await store.remove(k2);
    assert.equal(await store.getNamed('memo/a'), undefined);
  });

  it('rejects names that could escape the store, and writes nothing outside it', async () => {
    const root = join(scratch.path, 'escape', 'store');
    const store = new LocalFolderStore(root);
    for (const name of ['../../evil', '../evil', '/etc/evil', 'a/../../evil', 'a//b', 'a\\..\\evil', '', '.hidden', 'a/./b', 'x'.repeat(201)]) {
      await assert.rejects(store.putNamed(name, Buffer.from('x')), InputError, `name ${JSON.stringify(name)}`);
      await assert.rejects(store.getNamed(name), InputError, `name ${JSON.stringify(name)}`);
    }
    assert.deepEqual(await files(join(scratch.path, 'escape')), []);
    assert.equal(existsSync('/etc/evil'), false);
  });

  it('says which folder and what to do when a file is where the store folder should be (nothing stored)', async () => {
    // Tests run as root, where chmod does not stop writes; a file in the way fails for root too.
    const root = join(scratch.path, 'blocked');
    await mkdir(root);
    await writeFile(join(root, 'objects'), 'not a folder');
    const store = new LocalFolderStore(root);
    await assert.rejects(store.put(Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof StoreWriteError, String(err));
      assert.match(err.message, new RegExp(`${root}/objects`));
      assert.match(err.message, /a file is in the way/);
      assert.match(err.message, /Fix: /);
      return true;
    });
    assert.deepEqual(await files(root), ['objects']);
  });
});

/**
 * Disk full and read-only file systems, for real: a tiny tmpfs. Needs mount rights
 * (root with CAP_SYS_ADMIN, as in our CI container); elsewhere these tests are skipped, saying why.
 */
describe('LocalFolderStore on a full or read-only disk', () => {
  const mounts: string[] = [];
  let mountProblem: string | undefined;

  function mountTmpfs(options: string): string | undefined {
    const dir = join(scratch.path, `tmpfs-${mounts.length}`);
    execFileSync('mkdir', ['-p', dir]);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      mountProblem = `cannot mount a tmpfs here (${String(error).split('\n')[0]}); run as root with CAP_SYS_ADMIN`;
      return undefined;
    }
    mounts.push(dir);
    return dir;
  }

  after(() => {
    for (const dir of mounts) execFileSync('umount', [dir]);
  });

  it('disk full: StoreWriteError naming the folder, no partial artifact, no temporary file', async (t) => {
    const dir = mountTmpfs('size=64k');
    if (!dir) return t.skip(mountProblem);
    const store = new LocalFolderStore(dir);
    const big = Buffer.alloc(256 * 1024, 3);
    await assert.rejects(store.put(big), (err: unknown) => {
      assert.ok(err instanceof StoreWriteError, String(err));
      assert.equal(err.details.code, 'ENOSPC');
      assert.match(err.message, new RegExp(`${dir}/objects`));
      assert.match(err.message, /disk is full.*Fix: free space/);
      return true;
    });
    assert.equal(await store.has(sha(big)), false);
    assert.deepEqual(await files(dir), []);
    // The store still works for what fits.
    const small = Buffer.from('small');
    assert.deepEqual(await store.get(await store.put(small)), small);
  });

  it('read-only file system: StoreWriteError naming the folder and the fix', async (t) => {
    const dir = mountTmpfs('ro,size=64k');
    if (!dir) return t.skip(mountProblem);
    const store = new LocalFolderStore(dir);
    await assert.rejects(store.put(Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof StoreWriteError, String(err));
      assert.equal(err.details.code, 'EROFS');
      assert.match(err.message, new RegExp(dir));
      assert.match(err.message, /read-only.*Fix: remount it read-write/);
      return true;
    });
    await assert.rejects(store.putNamed('memo/x', Buffer.from('x')), StoreWriteError);
  });
});

// Keeps readFile in use for a quick sanity check of what a name entry holds.
it('a name entry is one line holding the key', async () => {
  const store = new LocalFolderStore(join(scratch.path, 'entry'));
  const key = await store.putNamed('n', Buffer.from('v'));
  assert.equal(await readFile(join(store.root, 'names', 'n.key'), 'utf8'), `${key}\n`);
});

it('has one id, written on first use: stores created at the same time by several processes agree on it, another folder has another, a hand-edited id is an error naming the file', async () => {
  const root = join(scratch.path, 'identity');
  // Separate instances, as separate processes would be.
  const ids = await Promise.all(Array.from({ length: 8 }, () => new LocalFolderStore(root).identity()));
  assert.equal(new Set(ids.map((i) => i.id)).size, 1, JSON.stringify(ids));
  assert.match(ids[0]?.id ?? '', /^local-[0-9a-f]{16}$/);
  assert.equal(ids[0]?.location, `local artifact store ${root}`);
  assert.equal((await readFile(join(root, 'store-id'), 'utf8')).trim(), ids[0]?.id);
  assert.equal((await new LocalFolderStore(root).identity()).id, ids[0]?.id, 'read back, not rewritten');
  assert.notEqual((await new LocalFolderStore(join(scratch.path, 'identity-2')).identity()).id, ids[0]?.id);
  assert.deepEqual((await files(root)).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');

  const edited = join(scratch.path, 'identity-edited');
  await mkdir(edited);
  await writeFile(join(edited, 'store-id'), 'mine\n');
  await assert.rejects(new LocalFolderStore(edited).identity(), (err: unknown) => err instanceof InputError && err.message.includes(join(edited, 'store-id')) && /Fix: delete the file/.test(err.message));
});
