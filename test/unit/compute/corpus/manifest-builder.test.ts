/**
 * Manifests built from folders named by each corpus's published convention, in the corpus's
 * own layout (RAVDESS Actor_NN/ folders, TESS speaker_emotion/ folders, SAVEE flat and per
 * speaker, CREMA-D and EMO-DB flat), read back by the manifest reader a `kind: manifest`
 * config uses; and bad names named with the pattern and the fix.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeWavPcm16 } from '../../../../compute/audio/wav';
import { FILE_NAME_CONVENTIONS, fileNameConvention, type CorpusConventionName } from '../../../../compute/corpus/file-name-conventions';
import { readManifest } from '../../../../compute/corpus/manifest';
import { buildManifest } from '../../../../compute/corpus/manifest-builder';
import { InputError } from '../../../../foundation/errors';
import { useScratchFolder } from '../../../support/scratch-folder';

const scratch = useScratchFolder('serflow-manifest-builder-');
const AUDIO = encodeWavPcm16(Float32Array.from({ length: 160 }, (_, i) => 0.3 * Math.sin(i / 3)), 16000);

/** Each corpus: its emotion codes with the labels serflow documents for them, two speakers, where a file goes, and a bad name. */
const CORPORA: { name: CorpusConventionName; emotions: Record<string, string>; speakers: [string, string]; path: (code: string, speaker: string) => string; bad: string }[] = [
  {
    name: 'ravdess', speakers: ['01', '24'], bad: 'Actor_01/03-01-09-01-01-01-01.wav',
    emotions: { '01': 'neutral', '02': 'calm', '03': 'happiness', '04': 'sadness', '05': 'anger', '06': 'fear', '07': 'disgust', '08': 'surprise' },
    path: (code, actor) => `Actor_${actor}/03-01-${code}-0${code === '01' ? 1 : 2}-02-01-${actor}.wav`,
  },
  {
    name: 'crema-d', speakers: ['1001', '1091'], bad: '1001_DFA_ANGRY_XX.wav',
    emotions: { ANG: 'anger', DIS: 'disgust', FEA: 'fear', HAP: 'happiness', NEU: 'neutral', SAD: 'sadness' },
    path: (code, actor) => `${actor}_DFA_${code}_${code === 'NEU' ? 'XX' : 'HI'}.wav`,
  },
  {
    name: 'savee', speakers: ['DC', 'KL'], bad: 'DC_x01.wav',
    emotions: { a: 'anger', d: 'disgust', f: 'fear', h: 'happiness', n: 'neutral', sa: 'sadness', su: 'surprise' },
    // One speaker as the flat copies name them, the other in the release's speaker folder.
    path: (code, speaker) => (speaker === 'DC' ? `${speaker}_${code}01.wav` : `AudioData/${speaker}/${code}03.wav`),
  },
  {
    name: 'tess', speakers: ['OAF', 'YAF'], bad: 'YAF_angry/YAF_back_furious.wav',
    emotions: { angry: 'anger', disgust: 'disgust', fear: 'fear', happy: 'happiness', neutral: 'neutral', ps: 'surprise', sad: 'sadness' },
    path: (code, speaker) => `${speaker}_${code === 'ps' ? 'pleasant_surprise' : code}/${speaker}_back_${code}.wav`,
  },
  {
    name: 'emodb', speakers: ['03', '16'], bad: '03a01Xa.wav',
    emotions: { W: 'anger', L: 'boredom', E: 'disgust', A: 'fear', F: 'happiness', T: 'sadness', N: 'neutral' },
    path: (code, speaker) => `${speaker}b10${code}c.wav`,
  },
];

async function writeCorpus(root: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), AUDIO);
  }
}

function expectInputError(file: string, reason: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.details.file, file);
    assert.match(err.details.reason, reason);
    assert.ok(err.details.fix, 'the error says how to fix it');
    return true;
  };
}

describe('manifest builder: one per corpus convention', () => {
  for (const corpus of CORPORA) {
    const convention = FILE_NAME_CONVENTIONS[corpus.name];

    it(`${convention.title}: every emotion code of both speakers round-trips through the manifest reader`, async () => {
      assert.deepEqual(convention.emotions, corpus.emotions, 'the documented label of each emotion code');
      const root = join(scratch.path, corpus.name, 'corpus');
      const expected = corpus.speakers.flatMap((speaker) => Object.entries(corpus.emotions).map(([code, label]) => ({ file: corpus.path(code, speaker), label, speaker })));
      await writeCorpus(root, expected.map((e) => e.file));
      await writeFile(join(root, 'README.txt'), 'ignored: not audio');

      const built = await buildManifest(root, convention);
      assert.equal(built.manifest, join(root, 'manifest.csv'));
      assert.deepEqual(built.skipped, []);
      const read = await readManifest(built.manifest);
      const sorted = [...expected].sort((a, b) => (a.file < b.file ? -1 : 1));
      assert.deepEqual(read.map(({ file, label, speaker }) => ({ file, label, speaker })), sorted);
      assert.deepEqual(read.map((e) => e.path), sorted.map((e) => join(root, ...e.file.split('/'))));
      assert.deepEqual(built.entries, read, 'the builder returns what the reader reads');
    });

    it(`${convention.title}: a .wav not named by the convention is an error naming it, the pattern and the fix; or skipped with its reason`, async () => {
      const root = join(scratch.path, corpus.name, 'bad');
      const good = corpus.path(Object.keys(corpus.emotions)[0] as string, corpus.speakers[0]);
      await writeCorpus(root, [good, corpus.bad]);
      await assert.rejects(buildManifest(root, convention), (err: unknown) => {
        expectInputError(join(root, corpus.bad), new RegExp(`not an? ${convention.title} file name`))(err);
        assert.match((err as InputError).message, /e\.g\. /, 'an example of a good name');
        assert.match((err as InputError).message, /skip-bad-names/);
        return true;
      });
      const built = await buildManifest(root, convention, { skipBadNames: true });
      assert.deepEqual(built.entries.map((e) => e.file), [good]);
      assert.deepEqual(built.skipped.map((s) => s.file), [corpus.bad]);
      assert.match(built.skipped[0]?.reason ?? '', new RegExp(convention.title));
    });
  }
});

describe('manifest builder: corpus quirks and bad requests', () => {
  it('reads TESS\'s misnamed OA_bite_neutral.wav as speaker OAF, and ignores hidden files and __MACOSX shadows', async () => {
    const root = join(scratch.path, 'tess-quirk');
    await writeCorpus(root, ['OAF_neutral/OA_bite_neutral.wav', 'OAF_neutral/OAF_back_neutral.wav', '__MACOSX/OAF_neutral/._OAF_back_neutral.wav', 'OAF_neutral/._OAF_back_neutral.wav']);
    const built = await buildManifest(root, fileNameConvention('TESS'));
    assert.deepEqual(built.entries.map((e) => [e.file, e.speaker, e.label]), [
      ['OAF_neutral/OAF_back_neutral.wav', 'OAF', 'neutral'],
      ['OAF_neutral/OA_bite_neutral.wav', 'OAF', 'neutral'],
    ]);
  });

  it('a manifest above the corpus folder lists paths through it; one beside or below it is refused', async () => {
    const root = join(scratch.path, 'placement', 'AudioWAV');
    await writeCorpus(root, ['1001_DFA_ANG_XX.wav']);
    const above = join(scratch.path, 'placement', 'crema-d.csv');
    const built = await buildManifest(root, fileNameConvention('crema-d'), { out: above });
    assert.match(await readFile(above, 'utf8'), /^path,label,speaker\nAudioWAV\/1001_DFA_ANG_XX\.wav,anger,1001\n$/);
    assert.equal(built.entries[0]?.path, join(root, '1001_DFA_ANG_XX.wav'));
    const beside = join(scratch.path, 'elsewhere', 'm.csv');
    await assert.rejects(buildManifest(root, fileNameConvention('crema-d'), { out: beside }), expectInputError(beside, /must sit in/));
    const below = join(root, 'lists', 'm.csv');
    await assert.rejects(buildManifest(root, fileNameConvention('crema-d'), { out: below }), expectInputError(below, /must sit in/));
  });

  it('refuses to overwrite a manifest unless asked, other formats than CSV, unknown corpora, empty and missing folders', async () => {
    const root = join(scratch.path, 'requests');
    await writeCorpus(root, ['03a01Wa.wav']);
    await buildManifest(root, fileNameConvention('emodb'));
    await assert.rejects(buildManifest(root, fileNameConvention('emodb')), expectInputError(join(root, 'manifest.csv'), /already exists/));
    assert.equal((await buildManifest(root, fileNameConvention('emodb'), { overwrite: true })).entries.length, 1);
    await assert.rejects(buildManifest(root, fileNameConvention('emodb'), { out: join(root, 'manifest.yaml') }), expectInputError(join(root, 'manifest.yaml'), /CSV/));
    assert.throws(() => fileNameConvention('iemocap'), (err: unknown) => err instanceof InputError && /iemocap.*ravdess.*crema-d.*savee.*tess.*emodb/.test(err.message));
    const empty = join(scratch.path, 'empty');
    await mkdir(empty, { recursive: true });
    await assert.rejects(buildManifest(empty, fileNameConvention('savee')), expectInputError(empty, /no \.wav files/));
    await assert.rejects(buildManifest(join(scratch.path, 'missing'), fileNameConvention('savee')), expectInputError(join(scratch.path, 'missing'), /does not exist/));
  });

  it('a folder of another corpus is refused even when bad names may be skipped: nothing usable', async () => {
    const root = join(scratch.path, 'wrong-corpus');
    await writeCorpus(root, ['03a01Wa.wav', '03a02Na.wav']);
    await assert.rejects(buildManifest(root, fileNameConvention('ravdess'), { skipBadNames: true }), expectInputError(root, /none of its 2 \.wav files is named by the RAVDESS convention/));
  });
});
