import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { InputError } from '../../foundation/errors';
import { CachingStore } from '../../store/caching-store';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowArtifactStore } from '../../store/mlflow-artifact-store';
import { ArtifactCorruptionError, ArtifactNotFoundError } from '../../store/store-errors';
import { MlflowClient } from '../../tracking/mlflow-client';
import { trackingUri, uniqueName } from '../support/mlflow-test-env';
import { useScratchFolder } from '../support/scratch-folder';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const client = new MlflowClient({ baseUrl: trackingUri(), retry: { totalTimeoutMs: 10_000 } });
// Each test run uses its own prefix, so runs never see each other's objects.
const prefix = uniqueName('serflow-store-test');
const scratch = useScratchFolder('serflow-mlflow-store-');

describe('MlflowArtifactStore', () => {
  const store = new MlflowArtifactStore(client, { prefix, spoolFolder: tmpdir() });

  it('stores bytes and streams under their sha256 in <prefix>/objects/<aa>/ and reads them back verified', async () => {
    const bytes = Buffer.from('a feature matrix, say\n'.repeat(5000));
    const key = await store.put(bytes);
    assert.equal(key, sha(bytes));
    assert.equal(await store.has(key), true);
    assert.deepEqual(await store.get(key), bytes);
    assert.equal(await store.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)])), key);
    const listed = await client.listArtifacts(`${prefix}/objects/${key.slice(0, 2)}`);
    assert.deepEqual(listed.map((f) => [f.path, f.file_size]), [[`${prefix}/objects/${key.slice(0, 2)}/${key}`, bytes.length]]);
  });

  it('is shared: what one machine puts, another reads', async () => {
    const other = new MlflowArtifactStore(new MlflowClient({ baseUrl: trackingUri() }), { prefix });
    const key = await store.putNamed('memo/features/abc', Buffer.from('result of abc'));
    assert.equal(await other.resolveName('memo/features/abc'), key);
    assert.equal((await other.getNamed('memo/features/abc'))?.toString(), 'result of abc');
    assert.equal(await other.getNamed('memo/features/none'), undefined);
  });

  it('an object altered on the server is detected by re-hashing, removed, and repaired by the next put', async () => {
    const bytes = Buffer.from('the right bytes');
    const key = await store.put(bytes);
    await client.uploadArtifact(`${prefix}/objects/${key.slice(0, 2)}/${key}`, Buffer.from('the wrong bytes'));
    await assert.rejects(store.get(key), (err: unknown) => {
      assert.ok(err instanceof ArtifactCorruptionError, String(err));
      assert.equal(err.details.removed, true);
      return true;
    });
    assert.equal(await store.has(key), false);
    await store.put(bytes);
    assert.deepEqual(await store.get(key), bytes);
  });

  it('a short object left by a crashed upload is re-uploaded by put (size differs) instead of trusted', async () => {
    const bytes = Buffer.alloc(50_000, 9);
    const key = sha(bytes);
    await client.uploadArtifact(`${prefix}/objects/${key.slice(0, 2)}/${key}`, bytes.subarray(0, 20_000));
    assert.equal(await store.put(bytes), key);
    assert.deepEqual(await store.get(key), bytes);
  });

  it('reports missing objects, rejects bad keys and names, and points names only at stored objects', async () => {
    await assert.rejects(store.get('f'.repeat(64)), ArtifactNotFoundError);
    await assert.rejects(store.get('nope'), InputError);
    await assert.rejects(store.putNamed('../outside', Buffer.from('x')), InputError);
    await assert.rejects(store.setName('memo/x', 'e'.repeat(64)), ArtifactNotFoundError);
    const key = await store.put(Buffer.from('y'));
    await store.setName('memo/y', key);
    assert.equal((await store.getNamed('memo/y'))?.toString(), 'y');
    await store.remove(key);
    assert.equal(await store.getNamed('memo/y'), undefined);
  });
});

describe('CachingStore (local folder in front of the MLflow store)', () => {
  const shared = new MlflowArtifactStore(client, { prefix });

  it('writes through, reads through into a second machine\'s cache, and recovers a corrupt cached copy', async () => {
    const machineA = new CachingStore(new LocalFolderStore(join(scratch.path, 'a')), shared);
    const cacheB = new LocalFolderStore(join(scratch.path, 'b'));
    const machineB = new CachingStore(cacheB, shared);
    const bytes = Buffer.from('checkpoint of epoch 40');
    const key = await machineA.putNamed('checkpoints/gan-1', Readable.from([bytes]));
    assert.equal(await shared.has(key), true, 'write-through: the shared store has it when put returns');
    assert.equal(await cacheB.has(key), false);
    assert.deepEqual(await machineB.getNamed('checkpoints/gan-1'), bytes);
    assert.equal(await cacheB.has(key), true, 'read-through filled B\'s cache');
    assert.equal(await cacheB.resolveName('checkpoints/gan-1'), key);
    await truncate(cacheB.objectPath(key), 3);
    assert.deepEqual(await machineB.get(key), bytes, 'a corrupt cached copy is replaced from the shared store');
    assert.deepEqual(await cacheB.get(key), bytes);
  });

  it('resolves names in the shared store, where another machine may have re-pointed them', async () => {
    const machineA = new CachingStore(new LocalFolderStore(join(scratch.path, 'a2')), shared);
    const machineB = new CachingStore(new LocalFolderStore(join(scratch.path, 'b2')), shared);
    await machineA.putNamed('memo/k', Buffer.from('v1'));
    assert.equal((await machineB.getNamed('memo/k'))?.toString(), 'v1');
    await machineA.putNamed('memo/k', Buffer.from('v2'));
    assert.equal((await machineB.getNamed('memo/k'))?.toString(), 'v2');
  });
});
