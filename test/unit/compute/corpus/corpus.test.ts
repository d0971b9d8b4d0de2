import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashCorpus, sha256File } from '../../../../compute/corpus/corpus-hash';
import { parseDelimited } from '../../../../compute/corpus/delimited-text';
import { EMODB_ALL_EMOTIONS, parseEmodbFileName, PAPER_EMOTIONS, readEmodbCorpus } from '../../../../compute/corpus/emodb';
import { readManifest } from '../../../../compute/corpus/manifest';
import { InputError } from '../../../../foundation/errors';

const EMODB = '/work/shared/emodb/wav';

function isInputError(file: RegExp | string, reason: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    if (typeof file === 'string') assert.equal(err.details.file, file);
    else assert.match(err.details.file ?? '', file);
    assert.match(err.details.reason, reason);
    assert.ok(err.details.fix);
    return true;
  };
}

describe('EMO-DB file names', () => {
  it('parses speaker, text, emotion and version', () => {
    assert.deepEqual(parseEmodbFileName('03a01Fa.wav'), { speaker: '03', text: 'a01', emotionLetter: 'F', emotion: 'happiness', version: 'a' });
    assert.equal(parseEmodbFileName('16b10Wb.wav').emotion, 'anger');
    assert.equal(parseEmodbFileName('11b03Lc.wav').emotion, 'boredom');
    assert.equal(parseEmodbFileName('08a02Ed.wav').emotion, 'disgust');
    assert.equal(parseEmodbFileName('12a05Ab.wav').emotion, 'fear');
    assert.equal(parseEmodbFileName('09b09Ta.wav').emotion, 'sadness');
    assert.equal(parseEmodbFileName('13a07Na.wav').emotion, 'neutral');
  });

  it('rejects names that do not follow the scheme, naming the file', () => {
    for (const bad of ['03a01Xa.wav', '3a01Fa.wav', '03a01Fa.mp3', '03a01fa.wav', 'readme.wav', '03a01Fab.wav']) {
      assert.throws(() => parseEmodbFileName(bad), isInputError(bad, /not an EMO-DB file name/));
    }
  });
});

describe('EMO-DB corpus (real files)', () => {
  it('has 535 files in 7 classes and 408 in the paper\'s five, with the paper\'s counts', async () => {
    const all = await readEmodbCorpus(EMODB, { emotions: EMODB_ALL_EMOTIONS });
    assert.equal(all.length, 535);
    assert.equal(new Set(all.map((e) => e.speaker)).size, 10);
    const five = await readEmodbCorpus(EMODB);
    assert.equal(five.length, 408);
    const counts: Record<string, number> = {};
    for (const e of five) counts[e.label] = (counts[e.label] ?? 0) + 1;
    assert.deepEqual(counts, { anger: 127, fear: 69, happiness: 71, sadness: 62, neutral: 79 });
    assert.deepEqual(new Set(five.map((e) => e.label)), new Set(PAPER_EMOTIONS));
    const first = five[0];
    assert.ok(first);
    assert.equal(first.file, '03a01Fa.wav');
    assert.equal(first.path, join(EMODB, '03a01Fa.wav'));
    assert.equal(first.speaker, '03');
  });

  it('takes the label subset from a parameter and rejects unknown emotions', async () => {
    const two = await readEmodbCorpus(EMODB, { emotions: ['boredom', 'disgust'] });
    assert.equal(two.length, 81 + 46);
    await assert.rejects(readEmodbCorpus(EMODB, { emotions: ['angry'] }), (err: unknown) => err instanceof InputError && /angry/.test(err.message));
  });

  it('a stray wav name in the folder is an InputError naming it; other files are ignored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serflow-emodb-'));
    try {
      await writeFile(join(dir, '03a01Wa.wav'), 'x');
      await writeFile(join(dir, 'notes.txt'), 'x');
      assert.equal((await readEmodbCorpus(dir)).length, 1);
      await writeFile(join(dir, 'copy of 03a01Wa.wav'), 'x');
      await assert.rejects(readEmodbCorpus(dir), isInputError('copy of 03a01Wa.wav', /not an EMO-DB/));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('delimited text', () => {
  it('handles quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF, BOM', () => {
    const records = parseDelimited('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",z\n');
    assert.deepEqual(records.map((r) => r.fields), [['a', 'b'], ['x, y', 'say "hi"'], ['multi\nline', 'z']]);
    assert.deepEqual(records.map((r) => r.line), [1, 2, 4]);
  });
  it('rejects an unclosed quote', () => {
    assert.throws(() => parseDelimited('a\n"b,c\n'), /never closed/);
  });
});

describe('CSV manifest', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serflow-manifest-'));
    await mkdir(join(dir, 'audio', 'spk a'), { recursive: true });
    for (const name of ['one.wav', 'two.wav', 'three, with comma.wav']) await writeFile(join(dir, 'audio', 'spk a', name), name);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const write = async (name: string, text: string): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };

  it('reads rows with quoted fields, any column order and an optional split', async () => {
    const p = await write('ok.csv', 'speaker,path,label,split\nA,audio/spk a/one.wav,ang,train\n"B","audio/spk a/three, with comma.wav","hap",\n');
    const entries = await readManifest(p);
    assert.deepEqual(entries, [
      { path: join(dir, 'audio', 'spk a', 'one.wav'), file: 'audio/spk a/one.wav', label: 'ang', speaker: 'A', split: 'train' },
      { path: join(dir, 'audio', 'spk a', 'three, with comma.wav'), file: 'audio/spk a/three, with comma.wav', label: 'hap', speaker: 'B' },
    ]);
  });

  it('maps labels, drops labels mapped to null, rejects labels not in the map with the line number', async () => {
    const p = await write('map.csv', 'path,label,speaker\naudio/spk a/one.wav,ang,A\naudio/spk a/two.wav,xxx,A\n"audio/spk a/three, with comma.wav",sur,B\n');
    await assert.rejects(readManifest(p, { labelMap: { ang: 'anger', xxx: null } }), isInputError(`${p}:4`, /"sur" is not in the label map/));
    const entries = await readManifest(p, { labelMap: { ang: 'anger', xxx: null, sur: 'surprise' } });
    assert.deepEqual(entries.map((e) => e.label), ['anger', 'surprise']);
  });

  it('names file and line for a missing file, an empty label, a bad header, a short row, a duplicate, an escaping path', async () => {
    const cases: [string, string, RegExp][] = [
      ['path,label,speaker\naudio/spk a/one.wav,ang,A\naudio/nope.wav,ang,A\n', ':3', /nope.wav does not exist/],
      ['path,label,speaker\naudio/spk a/one.wav,,A\n', ':2', /empty label/],
      ['path,label,speaker\naudio/spk a/one.wav,ang,""\n', ':2', /empty speaker/],
      ['path,lable,speaker\naudio/spk a/one.wav,ang,A\n', ':1', /missing column\(s\) label; unknown column\(s\) lable/],
      ['audio/spk a/one.wav,ang,A\n', ':1', /missing column/],
      ['path,label,speaker\naudio/spk a/one.wav,ang\n', ':2', /2 fields, the header has 3/],
      ['path,label,speaker\naudio/spk a/one.wav,ang,A\n./audio/spk a/one.wav,hap,A\n', ':3', /already listed on line 2/],
      ['path,label,speaker\n../outside.wav,ang,A\n', ':2', /leaves the manifest's folder/],
      ['path,label,speaker\n/etc/passwd,ang,A\n', ':2', /absolute/],
      ['path,label,speaker\n"audio/spk a/one.wav,ang,A\n', ':2', /never closed/],
    ];
    for (const [i, [text, line, reason]] of cases.entries()) {
      const p = await write(`bad${i}.csv`, text);
      await assert.rejects(readManifest(p), isInputError(`${p}${line}`, reason), `case ${i}`);
    }
    await assert.rejects(readManifest(join(dir, 'none.csv')), isInputError(join(dir, 'none.csv'), /does not exist/));
    await assert.rejects(readManifest(await write('empty.csv', 'path,label,speaker\n')), isInputError(/empty.csv$/, /no files/));
  });
});

describe('corpus hash', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serflow-hash-'));
    await writeFile(join(dir, 'a.wav'), 'aaa');
    await writeFile(join(dir, 'b.wav'), 'bbb');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });
  const entries = () => [
    { path: join(dir, 'a.wav'), file: 'a.wav', label: 'anger', speaker: '01' },
    { path: join(dir, 'b.wav'), file: 'b.wav', label: 'fear', speaker: '02' },
  ];

  it('hashes file contents with sha256', async () => {
    assert.equal(await sha256File(join(dir, 'a.wav')), createHash('sha256').update('aaa').digest('hex'));
  });

  it('ignores entry order and location, and changes with content, label, speaker, split and name', async () => {
    const base = await hashCorpus(entries());
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(await hashCorpus(entries().reverse()), base);
    const moved = await mkdtemp(join(tmpdir(), 'serflow-hash-moved-'));
    try {
      await writeFile(join(moved, 'a.wav'), await readFile(join(dir, 'a.wav')));
      await writeFile(join(moved, 'b.wav'), 'bbb');
      assert.equal(await hashCorpus(entries().map((e) => ({ ...e, path: join(moved, e.file) }))), base);
      await writeFile(join(moved, 'b.wav'), 'bbc');
      assert.notEqual(await hashCorpus(entries().map((e) => ({ ...e, path: join(moved, e.file) }))), base);
    } finally {
      await rm(moved, { recursive: true, force: true });
    }
    const variants = [
      entries().map((e, i) => (i === 0 ? { ...e, label: 'fear' } : e)),
      entries().map((e, i) => (i === 0 ? { ...e, speaker: '03' } : e)),
      entries().map((e, i) => (i === 0 ? { ...e, split: 'test' } : e)),
      entries().map((e, i) => (i === 0 ? { ...e, file: 'c.wav' } : e)),
      entries().slice(1),
    ];
    const hashes = await Promise.all(variants.map((v) => hashCorpus(v)));
    assert.equal(new Set([base, ...hashes]).size, variants.length + 1);
  });

  it('reports progress, rejects duplicates and missing files', async () => {
    const seen: number[] = [];
    await hashCorpus(entries(), { onProgress: (done) => seen.push(done) });
    assert.deepEqual(seen, [1, 2]);
    await assert.rejects(hashCorpus([...entries(), ...entries()]), isInputError('a.wav', /twice/));
    await assert.rejects(hashCorpus([{ path: join(dir, 'z.wav'), file: 'z.wav', label: 'x', speaker: 'y' }]), isInputError(join(dir, 'z.wav'), /does not exist/));
  });
});
