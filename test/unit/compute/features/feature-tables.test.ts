import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CorpusEntry } from '../../../../compute/corpus/corpus-entry';
import { InputError } from '../../../../foundation/errors';
import type { FeatureMatrix } from '../../../../compute/features/feature-matrix';
import { decodeFeatureMatrix, encodeFeatureMatrix } from '../../../../compute/features/matrix-codec';
import { importFeatureTable, parseArffTable, parseCsvTable } from '../../../../compute/features/table-import';

function inputError(file: RegExp, field?: string, reason?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.details.file ?? '', file);
    if (field !== undefined) assert.equal(err.details.field, field);
    if (reason) assert.match(err.details.reason, reason);
    return true;
  };
}

describe('matrix codec', () => {
  const matrix = (): FeatureMatrix => ({
    rows: 3, cols: 2,
    data: Float32Array.from([1.5, -2, Math.PI, 1e-30, 3.4e38, 0]),
    columns: ['a', 'b "quoted" ü'],
    meta: [{ file: 'x/1.wav', label: 'anger', speaker: '03' }, { file: '2.wav', label: 'fear', speaker: '08' }, { file: '3.wav', label: 'anger', speaker: '03' }],
  });

  it('round-trips exactly, including a view into a larger buffer', () => {
    const m = matrix();
    assert.deepEqual(decodeFeatureMatrix(encodeFeatureMatrix(m)), m);
    const big = new Float32Array(10);
    big.set(m.data, 3);
    const view = { ...m, data: big.subarray(3, 9) };
    assert.deepEqual(decodeFeatureMatrix(encodeFeatureMatrix(view)).data, m.data);
    const empty: FeatureMatrix = { rows: 0, cols: 0, data: new Float32Array(0), columns: [], meta: [] };
    assert.deepEqual(decodeFeatureMatrix(encodeFeatureMatrix(empty)), empty);
  });

  it('rejects truncated, padded and damaged buffers', () => {
    const bytes = encodeFeatureMatrix(matrix());
    for (const cut of [bytes.length - 1, bytes.length - 4, 20, 6, 0]) {
      assert.throws(() => decodeFeatureMatrix(bytes.subarray(0, cut), 'blob'), inputError(/^blob$/), `cut at ${cut}`);
    }
    assert.throws(() => decodeFeatureMatrix(Buffer.concat([bytes, Buffer.alloc(4)]), 'blob'), inputError(/blob/, undefined, /trailing/));
    const badMagic = Buffer.from(bytes);
    badMagic.write('XXXX', 0, 'ascii');
    assert.throws(() => decodeFeatureMatrix(badMagic), /bad magic/);
    const lying = Buffer.from(bytes);
    const header = lying.toString('utf8', 8, 8 + lying.readUInt32LE(4)).replace('"rows":3', '"rows":4');
    lying.write(header, 8, 'utf8');
    assert.throws(() => decodeFeatureMatrix(lying), /row metadata does not match rows/);
  });

  it('refuses to encode an inconsistent matrix', () => {
    assert.throws(() => encodeFeatureMatrix({ ...matrix(), rows: 2 }), RangeError);
  });

  // Two rows of up to 3 frames x 2 bands; the second row has 2 frames and a padded third.
  const sequences = (): FeatureMatrix => ({
    rows: 2, cols: 6,
    data: Float32Array.from([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, 0, 0]),
    columns: ['mel0', 'mel1'],
    meta: [{ file: '1.wav', label: 'anger', speaker: '03', frames: 3 }, { file: '2.wav', label: 'fear', speaker: '08', frames: 2 }],
    shape: { kind: 'sequence', frames: 3, bands: 2 },
  });

  it('round-trips a matrix of sequences with its shape and frame counts, and writes a vector matrix as before shapes', () => {
    const m = sequences();
    assert.deepEqual(decodeFeatureMatrix(encodeFeatureMatrix(m)), m);
    const header = (bytes: Buffer) => bytes.toString('utf8', 8, 8 + bytes.readUInt32LE(4));
    assert.doesNotMatch(header(encodeFeatureMatrix({ ...matrix(), shape: { kind: 'vector' } })), /shape|frames/);
  });

  it('refuses sequences whose bands, columns or frame counts disagree with the shape', () => {
    assert.throws(() => encodeFeatureMatrix({ ...sequences(), columns: ['mel0'] }), /1 band names for 2 bands/);
    assert.throws(() => encodeFeatureMatrix({ ...sequences(), shape: { kind: 'sequence', frames: 2, bands: 2 } }), /6 columns for 2 frames x 2 bands/);
    const m = sequences();
    assert.throws(() => encodeFeatureMatrix({ ...m, meta: [m.meta[0]!, { ...m.meta[1]!, frames: 4 }] }), /row 1 has 4 frames/);
    const bytes = encodeFeatureMatrix(m);
    const lying = Buffer.from(bytes);
    lying.write(lying.toString('utf8', 8, 8 + lying.readUInt32LE(4)).replace('"frames":3,"bands"', '"frames":9,"bands"'), 8, 'utf8');
    assert.throws(() => decodeFeatureMatrix(lying, 'blob'), inputError(/^blob$/, undefined, /columns for 9 frames/));
  });
});

describe('feature table import', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'serflow-tables-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const csvSemicolon = "name;frameTime;f1;f2;class\n'03a01Fa';0.000000;1.5;-2e-3;happiness\n'03a01Wa';0.000000;3;4;anger\n";

  it('reads openSMILE CSV with ; or , and a name column, dropping frameTime', () => {
    const m = parseCsvTable(csvSemicolon, 't.csv');
    assert.deepEqual(m.columns, ['f1', 'f2']);
    assert.deepEqual(m.meta, [{ file: '03a01Fa', label: 'happiness', speaker: '' }, { file: '03a01Wa', label: 'anger', speaker: '' }]);
    assert.deepEqual(Array.from(m.data), [1.5, Math.fround(-2e-3), 3, 4]);
    const comma = parseCsvTable('name,f1,f2,spk\n"a, b.wav",1,2,s1\n', 't.csv', { speakerColumn: 'spk' });
    assert.deepEqual(comma.meta, [{ file: 'a, b.wav', label: '', speaker: 's1' }]);
    assert.deepEqual(comma.columns, ['f1', 'f2']);
  });

  it('matches rows to a corpus by file, name or stem, in corpus order, leaving other rows out', () => {
    const corpus: CorpusEntry[] = [
      { path: '/c/03a01Wa.wav', file: '03a01Wa.wav', label: 'anger', speaker: '03' },
    ];
    const m = parseCsvTable(csvSemicolon, 't.csv', { corpus });
    assert.deepEqual(m.meta, [{ file: '03a01Wa.wav', label: 'anger', speaker: '03' }]);
    assert.deepEqual(Array.from(m.data), [3, 4]);
    assert.throws(() => parseCsvTable(csvSemicolon, 't.csv', { corpus: [...corpus, { path: '/c/x.wav', file: 'x.wav', label: 'fear', speaker: '01' }] }), inputError(/t\.csv/, 'name', /no row, e\.g\. x\.wav/));
  });

  it('names file, line and column of NaN, Inf and missing values', () => {
    const cases: [string, string, RegExp][] = [
      ['name;f1;f2\na;1;2\nb;NaN;2\n', 'f1', /not a finite/],
      ['name;f1;f2\na;1;inf\n', 'f2', /not a finite/],
      ['name;f1;f2\na;1;-Infinity\n', 'f2', /not a finite/],
      ['name;f1;f2\na;1;\n', 'f2', /missing/],
      ['name;f1;f2\na;1;1e39\n', 'f2', /not a finite/],
      ['name;f1;f2\na;1;abc\n', 'f2', /not a finite/],
    ];
    for (const [text, field, reason] of cases) {
      const line = text.trim().split('\n').length;
      assert.throws(() => parseCsvTable(text, 't.csv'), inputError(new RegExp(`^t\\.csv:${line}$`), field, reason), text);
    }
    assert.throws(() => parseCsvTable('f1;f2\n1;2\n', 't.csv'), inputError(/t\.csv/, 'name', /no name column/));
    assert.throws(() => parseCsvTable('name;f1\na;1\na;2\n', 't.csv'), inputError(/t\.csv:3/, 'name', /twice/));
    assert.throws(() => parseCsvTable('name;f1\na;1;2\n', 't.csv'), inputError(/t\.csv:2/, undefined, /3 values/));
  });

  const arff = `% written by openSMILE
@relation 'openSMILE_features'

@attribute name string
@attribute frameTime numeric
@attribute 'pcm loudness, mean' numeric
@attribute "F0 max" real
@attribute class {anger,'fear'}

@data

'03a01Wa',0.000000,0.25,120
% a comment in the data section
'it\\'s.wav',0.0,1e2,-3,'fear'
`;

  it('reads ARFF with quoted names, comments and a nominal class', async () => {
    const fixed = arff.replace("0.25,120\n", "0.25,120,anger\n");
    const path = join(dir, 't.arff');
    await writeFile(path, fixed);
    const m = await importFeatureTable(path);
    assert.deepEqual(m.columns, ['pcm loudness, mean', 'F0 max']);
    assert.deepEqual(m.meta.map((r) => [r.file, r.label]), [['03a01Wa', 'anger'], ["it's.wav", 'fear']]);
    assert.deepEqual(Array.from(m.data), [0.25, 120, 100, -3]);
  });

  it('ARFF errors name file, line and column', () => {
    // The first data row lacks its class: 4 values for 5 attributes, on line 12.
    assert.throws(() => parseArffTable(arff, 't.arff'), inputError(/^t\.arff:12$/, undefined, /4 values/));
    const withMissing = arff.replace("0.25,120\n", "?,120,anger\n");
    assert.throws(() => parseArffTable(withMissing, 't.arff'), inputError(/^t\.arff:12$/, 'pcm loudness, mean', /missing/));
    const badClass = arff.replace("0.25,120\n", "0.25,120,joy\n");
    assert.throws(() => parseArffTable(badClass, 't.arff'), inputError(/t\.arff/, 'class', /"joy"/));
    assert.throws(() => parseArffTable(arff.replace('real', 'date'), 't.arff'), inputError(/t\.arff:7/, 'F0 max', /not supported/));
    assert.throws(() => parseArffTable('@relation x\n@attribute name string\n', 't.arff'), /no @data/);
  });

  it('a missing table file is an InputError', async () => {
    await assert.rejects(importFeatureTable(join(dir, 'none.csv')), inputError(/none\.csv/, undefined, /does not exist/));
  });
});
