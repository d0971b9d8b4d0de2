/**
 * What extraction does to a file's audio (downmix, resampling, re-encoding), decided from its
 * header, and the one-line summary a run records for its whole corpus.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeWavPcm16 } from '../../../../compute/audio/wav';
import { audioPreparation, needsConversion, summariseAudioPreparation, surveyAudioPreparation } from '../../../../compute/features/audio-preparation';
import { useScratchFolder } from '../../../support/scratch-folder';

const scratch = useScratchFolder('serflow-audio-preparation-');

describe('audio preparation', () => {
  it('converts only what differs from 16-bit mono at the target rate', () => {
    assert.equal(needsConversion(audioPreparation({ sampleRate: 16000, channels: 1, encoding: 'pcm16' }, 16000)), false);
    assert.deepEqual(audioPreparation({ sampleRate: 48000, channels: 2, encoding: 'pcm24' }, 16000), {
      downmixFrom: 2, resample: { from: 48000, to: 16000 }, reencodeFrom: 'pcm24',
    });
    assert.deepEqual(audioPreparation({ sampleRate: 44100, channels: 1, encoding: 'pcm16' }, null), { downmixFrom: null, resample: null, reencodeFrom: null });
  });

  it('summarises a corpus once: counts per step and source format, in one line', () => {
    const s = summariseAudioPreparation([
      { sampleRate: 48000, channels: 2, encoding: 'pcm16' },
      { sampleRate: 48000, channels: 2, encoding: 'pcm16' },
      { sampleRate: 44100, channels: 1, encoding: 'pcm16' },
      { sampleRate: 16000, channels: 1, encoding: 'float32' },
      { sampleRate: 16000, channels: 1, encoding: 'pcm16' },
      null,
    ], 16000);
    assert.deepEqual({ files: s.files, downmixed: s.downmixed, resampled: s.resampled, reencoded: s.reencoded, unreadable: s.unreadable }, {
      files: 6, downmixed: 2, resampled: 3, reencoded: 1, unreadable: 1,
    });
    assert.deepEqual(s.sourceFormats, { '48000 Hz, 2 ch, pcm16': 2, '44100 Hz, 1 ch, pcm16': 1, '16000 Hz, 1 ch, float32': 1, '16000 Hz, 1 ch, pcm16': 1 });
    assert.equal(s.text, '5 files to 16000 Hz mono 16-bit PCM before SMILExtract: 3 resampled (from 48000 Hz: 2, 44100 Hz: 1); '
      + '2 downmixed to mono by averaging the channels (2 ch: 2); 1 re-encoded (from float32: 1); 1 unreadable (bad audio, see the skipped files)');
    assert.equal(summariseAudioPreparation([{ sampleRate: 16000, channels: 1, encoding: 'pcm16' }], 16000).text, 'none: all 1 files are 16000 Hz mono 16-bit PCM already');
  });

  it('surveys files by their headers; a file that is not audio counts as unreadable, not an error', async () => {
    const stereo = join(scratch.path, 'stereo.wav');
    const junk = join(scratch.path, 'junk.wav');
    await writeFile(stereo, encodeWavPcm16([new Float32Array(480), new Float32Array(480)], 48000));
    await writeFile(junk, 'not audio');
    const s = await surveyAudioPreparation([stereo, junk], 16000);
    assert.deepEqual({ downmixed: s.downmixed, resampled: s.resampled, unreadable: s.unreadable }, { downmixed: 1, resampled: 1, unreadable: 1 });
  });
});
