/**
 * The worker's cache of restored GANs (store/restored-gans.ts): a model an evaluation holds is
 * never evicted (and disposed) while it holds it, however many models are held at once (an inner
 * leave-one-speaker-out selection asks for ten); once released, only the last four idle ones stay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGanSpec } from '../../../compute/cyclegan/gan-spec';
import { sourceFromTrainingFold } from '../../../compute/cyclegan/fold-data';
import { CycleGanTrainer } from '../../../compute/cyclegan/trainer';
import { gaussianClasses } from '../../support/synthetic-classes';
import type { ArtifactStore } from '../../../store/artifact-store';
import { acquireGenerators } from '../../../store/restored-gans';

test('held GANs stay usable beyond the idle limit, and released ones are evicted down to it', async () => {
  const train = gaussianClasses({ perClass: [10, 10], cols: 4, seed: 3 });
  const spec = parseGanSpec({ hidden: [4], discriminatorHidden: [4], patchSize: 2, batchSize: 4, epochs: 1, pretrainEpochs: 0, classifier: { hidden: [4], epochs: 1, batchSize: 8 } });
  const checkpoints = new Map<string, Buffer>();
  for (let i = 0; i < 6; i++) {
    const trainer = await CycleGanTrainer.create(spec, { source: sourceFromTrainingFold(train), train }, { seed: 100 + i, onAdjustment: () => undefined });
    checkpoints.set(`gan-${i}`, trainer.toCheckpoint());
    trainer.dispose();
  }
  const loads: string[] = [];
  const store = { get: async (key: string) => { loads.push(key); return checkpoints.get(key) as Buffer; } } as unknown as ArtifactStore;

  const keys = [...checkpoints.keys()];
  const held = await acquireGenerators(store, keys);
  const more = await acquireGenerators(store, keys.slice(0, 2));
  // Six held at once, above the idle limit of four: every one still generates.
  for (const key of keys) assert.equal(held.models.get(key)?.generate(0, 3, 7).rows, 3, key);
  more.release();
  for (const key of keys) assert.equal(held.models.get(key)?.generate(1, 2, 7).rows, 2, `${key} after another evaluation released it`);
  held.release();
  held.release(); // twice is harmless

  loads.length = 0;
  const again = await acquireGenerators(store, keys);
  // The four most recently used stayed warm (gan-0 and gan-1 were asked for again last); the two
  // oldest were disposed on release and load again.
  assert.deepEqual(loads.sort(), ['gan-2', 'gan-3']);
  again.release();
});
