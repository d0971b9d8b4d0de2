/**
 * The cycle-GAN seed policy (compute/cyclegan/training-seed.ts): the older forms keep the seeds
 * every earlier run drew (so their memoised GANs stay what they were), and each fit set, repeat
 * and loss draws a stream of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ganTrainingSeed } from '../../../../compute/cyclegan/training-seed';
import { deriveSeed } from '../../../../compute/random';

describe('ganTrainingSeed', () => {
  it('gives a shared GAN and a per-repeat GAN of every speaker the seeds they had before fit sets', () => {
    assert.equal(ganTrainingSeed({ baseSeed: 20221, foldName: 'speaker-03', loss: 'wdiv' }), deriveSeed(20221, 'gan', 'speaker-03', 'wdiv'));
    assert.equal(ganTrainingSeed({ baseSeed: 20221, foldName: 'speaker-03', loss: 'ce', repeat: 2 }), deriveSeed(20221, 'gan', 'speaker-03', 'ce', 'repeat', 2));
  });

  it('draws another stream for each fit set, repeat and loss', () => {
    const place = { baseSeed: 20221, foldName: 'speaker-03', loss: 'wdiv', repeat: 0 };
    const seeds = [
      ganTrainingSeed(place),
      ganTrainingSeed({ ...place, fitSpeakers: ['08', '09'] }),
      ganTrainingSeed({ ...place, fitSpeakers: ['08', '10'] }),
      ganTrainingSeed({ ...place, repeat: 1, fitSpeakers: ['08', '09'] }),
      ganTrainingSeed({ ...place, loss: 'ce', fitSpeakers: ['08', '09'] }),
    ];
    assert.equal(new Set(seeds).size, seeds.length);
  });
});
