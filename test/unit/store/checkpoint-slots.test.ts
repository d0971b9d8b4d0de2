// CheckpointSlots on a real LocalFolderStore in a temporary folder: publishing rotates latest ->
// previous and keeps two checkpoints; a resume takes the most advanced usable candidate and falls
// back past a corrupt one with a warning. The "checkpoints" are small JSON documents, so no tfjs.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckpointRestorer } from '../../../store/checkpoint-slots';
import { CheckpointSlots } from '../../../store/checkpoint-slots';
import { LocalFolderStore } from '../../../store/local-folder-store';

interface FakeTraining {
  epoch: number;
  discarded: boolean;
}

const checkpoint = (epoch: number): Buffer => Buffer.from(JSON.stringify({ epoch }));

/** Decodes the JSON checkpoints; records what it decoded and discarded. */
function restorer(): CheckpointRestorer<FakeTraining> & { decoded: FakeTraining[] } {
  const decoded: FakeTraining[] = [];
  return {
    decoded,
    decode(bytes) {
      const parsed = JSON.parse(bytes.toString('utf8')) as { epoch?: unknown };
      if (typeof parsed.epoch !== 'number') throw new Error('not a checkpoint');
      const training = { epoch: parsed.epoch, discarded: false };
      decoded.push(training);
      return training;
    },
    progress: (t) => t.epoch,
    discard: (t) => { t.discarded = true; },
  };
}

function recordingLogger(): { warnings: Record<string, unknown>[]; info: () => void; warn: (obj: Record<string, unknown>) => void } {
  const warnings: Record<string, unknown>[] = [];
  return { warnings, info: () => undefined, warn: (obj) => { warnings.push(obj); } };
}

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'serflow-slots-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('CheckpointSlots', () => {
  it('publishing rotates latest to previous and keeps only the last two checkpoints', async () => {
    const store = new LocalFolderStore(join(base, 'rotation'));
    const slots = new CheckpointSlots(store, 'gan-progress/abc');
    const k1 = await slots.publish(checkpoint(1), 'epoch 1');
    assert.equal(await store.resolveName('gan-progress/abc/latest'), k1);
    assert.equal(await store.resolveName('gan-progress/abc/previous'), undefined);
    const k2 = await slots.publish(checkpoint(2));
    const k3 = await slots.publish(checkpoint(3));
    assert.equal(await store.resolveName('gan-progress/abc/latest'), k3);
    assert.equal(await store.resolveName('gan-progress/abc/previous'), k2);
    assert.equal(await store.has(k1), false, 'the checkpoint before previous is removed');
    assert.equal(await store.has(k2), true);
    assert.equal(await store.has(k3), true);
    assert.deepEqual(await slots.candidates(), [k3, k2]);
  });

  it('publishing the same bytes again keeps the fallback checkpoint', async () => {
    const store = new LocalFolderStore(join(base, 'republish'));
    const slots = new CheckpointSlots(store, 'run');
    const k1 = await slots.publish(checkpoint(1));
    const k2 = await slots.publish(checkpoint(2));
    assert.equal(await slots.publish(checkpoint(2)), k2);
    assert.equal(await store.resolveName('run/latest'), k2);
    // A resumed run re-publishing what latest holds must not rotate it into previous and drop k1.
    assert.equal(await store.resolveName('run/previous'), k1);
    assert.equal(await store.has(k1), true);
    assert.equal(await store.has(k2), true);
  });

  it('resumes from the most advanced usable candidate, whichever slot or heartbeat names it', async () => {
    const store = new LocalFolderStore(join(base, 'advanced'));
    const slots = new CheckpointSlots(store, 'run');
    const stale = await store.put(checkpoint(2));
    await slots.publish(checkpoint(4));
    const latest = await slots.publish(checkpoint(6));
    // The heartbeat lags: it names an older checkpoint than latest.
    const r = restorer();
    const found = await slots.restoreMostAdvanced(r, stale);
    assert.equal(found?.key, latest);
    assert.equal(found?.restored.epoch, 6);
    assert.deepEqual(r.decoded.map((t) => [t.epoch, t.discarded]), [[2, true], [6, false], [4, true]]);
    // A heartbeat key ahead of the slots wins as well.
    const ahead = await store.put(checkpoint(8));
    assert.equal((await slots.restoreMostAdvanced(restorer(), ahead))?.restored.epoch, 8);
  });

  it('falls back to previous when latest is corrupt in the store or rejected by decode, and warns', async () => {
    const store = new LocalFolderStore(join(base, 'corrupt'));
    const logger = recordingLogger();
    const slots = new CheckpointSlots(store, 'run', { logger });
    const previous = await slots.publish(checkpoint(3));
    const latest = await slots.publish(checkpoint(5));
    // Bytes altered on disk: the store's hash check rejects them.
    await writeFile(store.objectPath(latest), '{"epoch": 9}');
    const found = await slots.restoreMostAdvanced(restorer());
    assert.equal(found?.key, previous);
    assert.equal(found?.restored.epoch, 3);
    assert.deepEqual(logger.warnings.map((w) => w.checkpointKey), [latest]);

    // Intact in the store but not a checkpoint the decoder accepts.
    const garbage = await store.put(Buffer.from('{"weights": []}'));
    await store.setName('run/latest', garbage);
    assert.equal((await slots.restoreMostAdvanced(restorer()))?.key, previous);
    assert.equal(logger.warnings.at(-1)?.checkpointKey, garbage);
  });

  it('finds nothing to resume from in an empty store or when every candidate is unusable', async () => {
    const store = new LocalFolderStore(join(base, 'empty'));
    const slots = new CheckpointSlots(store, 'run');
    assert.deepEqual(await slots.candidates(), []);
    assert.equal(await slots.restoreMostAdvanced(restorer()), undefined);
    assert.equal(await slots.restoreMostAdvanced(restorer(), 'f'.repeat(64)), undefined, 'a heartbeat key whose object is gone');
  });
});
