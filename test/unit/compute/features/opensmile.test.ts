/**
 * extractFeatures' orchestration (validation, concurrency, resume, skip report, abort) against a
 * fake SMILExtract, so that it runs without the real binary. The real binary is exercised by
 * test/integration/opensmile.test.ts.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeWavPcm16 } from '../../../../compute/audio/wav';
import type { CorpusEntry } from '../../../../compute/corpus/corpus-entry';
import { InputError } from '../../../../foundation/errors';
import { parseFunctionalsCsv } from '../../../../compute/features/functionals-csv';
import { extractFeatures, resolveFeatureSet, type SmileInstallation } from '../../../../compute/features/opensmile';

/**
 * Writes `name;frameTime;bytes;channels_marker;c` where bytes is the size of the input WAV, so
 * that rows differ per file. Also records the peak number of concurrent runs in a folder.
 */
const FAKE = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    -I) in="$2"; shift;;
    -func_csv_output) out="$2"; shift;;
  esac
  shift
done
touch "$RUNS/$$"
ls "$RUNS" | wc -l >> "$RUNS.log"
sleep \${FAKE_SLEEP:-0}
size=$(wc -c < "$in" | tr -d ' ')
case "$in" in *nan*) v=nan;; *) v=0.5;; esac
printf "name;frameTime;f_size;f_const;f_maybe_nan\\n'unknown';0.000000;%s;1.5;%s\\n" "$size" "$v" > "$out"
rm "$RUNS/$$"
`;

function tone(seconds: number, rate: number, freq = 220): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * freq * i) / rate));
}

describe('extractFeatures (fake SMILExtract)', () => {
  let dir = '';
  let smile: SmileInstallation;
  const entries: CorpusEntry[] = [];
  const entry = (file: string): CorpusEntry => ({ path: join(dir, file), file, label: 'anger', speaker: file.slice(0, 2) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serflow-smile-unit-'));
    await mkdir(join(dir, 'runs'));
    process.env.RUNS = join(dir, 'runs');
    const binary = join(dir, 'SMILExtract');
    await writeFile(binary, FAKE);
    await chmod(binary, 0o755);
    smile = { binary, configDir: dir };
    for (let i = 0; i < 6; i++) {
      const file = `s${i % 3}_${i}.wav`;
      await writeFile(join(dir, file), encodeWavPcm16(tone(0.1 + i * 0.01, 16000), 16000));
      entries.push(entry(file));
    }
    await writeFile(join(dir, 'silent.wav'), encodeWavPcm16(new Float32Array(1600), 16000));
    await writeFile(join(dir, 'empty.wav'), encodeWavPcm16(new Float32Array(0), 16000));
    await writeFile(join(dir, 'corrupt.wav'), Buffer.from('RIFF....WAVEjunkjunkjunk'));
    await writeFile(join(dir, 'nan.wav'), encodeWavPcm16(tone(0.1, 16000), 16000));
    await writeFile(join(dir, 'hi-rate.wav'), encodeWavPcm16([tone(0.1, 48000), tone(0.1, 48000)], 48000));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const set = () => ({ name: 'fake', config: join(dir, 'fake.conf'), source: null, sink: null });

  it('extracts every file in corpus order, with progress, bounded processes and no temp files left', async () => {
    const progress: [number, number][] = [];
    process.env.FAKE_SLEEP = '0.1';
    const r = await extractFeatures(entries, { smile, featureSet: set(), concurrency: 2, tempDir: dir, onProgress: (d, t) => progress.push([d, t]) });
    process.env.FAKE_SLEEP = '0';
    assert.equal(r.matrix.rows, 6);
    assert.deepEqual(r.matrix.columns, ['f_size', 'f_const', 'f_maybe_nan']);
    assert.deepEqual(r.matrix.meta.map((m) => m.file), entries.map((e) => e.file));
    // Row i holds the byte size of file i: files grow with i, so sizes must increase.
    const sizes = r.matrix.meta.map((_, i) => r.matrix.data[i * 3] as number);
    assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
    assert.equal(sizes[0], 44 + 1600 * 2);
    assert.deepEqual(progress.map(([d]) => d), [1, 2, 3, 4, 5, 6]);
    assert.ok(progress.every(([, t]) => t === 6));
    assert.equal(r.processes, 2);
    const concurrent = (await readFile(join(dir, 'runs.log'), 'utf8')).trim().split('\n').map(Number);
    assert.equal(Math.max(...concurrent), 2, `concurrent runs seen: ${concurrent.join(',')}`);
    assert.equal(r.extracted, 6);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('serflow-smile-')), []);
  });

  it('resumes: reuses existing rows, skips by predicate, calls onRow only for new rows', async () => {
    const first = await extractFeatures(entries.slice(0, 3), { smile, featureSet: set(), tempDir: dir });
    const newRows: string[] = [];
    const r = await extractFeatures(entries, {
      smile, featureSet: set(), tempDir: dir, existing: first.matrix,
      skip: (file) => file === entries[5]?.file,
      onRow: (row, columns) => { newRows.push(row.file); assert.equal(columns.length, 3); },
    });
    assert.deepEqual(newRows.sort(), [entries[3]?.file, entries[4]?.file].sort());
    assert.equal(r.reused, 3);
    assert.equal(r.extracted, 2);
    assert.deepEqual(r.matrix.meta.map((m) => m.file), entries.slice(0, 5).map((e) => e.file));
    assert.deepEqual(r.matrix.data.subarray(0, 9), first.matrix.data);
  });

  it('bad audio fails with an InputError naming the file, or is reported with onError skip', async () => {
    const bad = ['silent.wav', 'empty.wav', 'corrupt.wav', 'nan.wav', 'missing.wav'].map(entry);
    for (const b of bad) {
      await assert.rejects(extractFeatures([entries[0] as CorpusEntry, b], { smile, featureSet: set(), tempDir: dir }),
        (err: unknown) => err instanceof InputError && err.message.includes(b.file), b.file);
    }
    const r = await extractFeatures([...entries.slice(0, 2), ...bad], { smile, featureSet: set(), tempDir: dir, onError: 'skip' });
    assert.equal(r.matrix.rows, 2);
    assert.deepEqual(r.skipped.map((s) => s.file), bad.map((b) => b.file));
    assert.match(r.skipped[0]?.reason ?? '', /silent/);
    assert.match(r.skipped[1]?.reason ?? '', /zero-length/);
    assert.match(r.skipped[3]?.reason ?? '', /f_maybe_nan/);
    await assert.rejects(extractFeatures(bad, { smile, featureSet: set(), tempDir: dir, onError: 'skip' }), /no file could be extracted/);
  });

  it('converts multi-channel 48 kHz audio to 16 kHz mono 16-bit before extraction', async () => {
    const r = await extractFeatures([entry('hi-rate.wav')], { smile, featureSet: set(), tempDir: dir });
    assert.equal(r.matrix.data[0], 44 + 1600 * 2);
    const kept = await extractFeatures([entry('hi-rate.wav')], { smile, featureSet: set(), tempDir: dir, targetSampleRate: null });
    assert.equal(kept.matrix.data[0], 44 + 4800 * 2);
  });

  it('stops on abort and removes its temporary folder', async () => {
    process.env.FAKE_SLEEP = '5';
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await assert.rejects(extractFeatures(entries, { smile, featureSet: set(), tempDir: dir, signal: controller.signal, concurrency: 2 }), /stop/);
    process.env.FAKE_SLEEP = '0';
    assert.ok(Date.now() - started < 3000, 'abort must kill running processes, not wait for them');
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('serflow-smile-')), []);
  });

  it('a failing binary is a plain Error naming the file, never skipped', async () => {
    const broken = { binary: join(dir, 'nope'), configDir: dir };
    await assert.rejects(extractFeatures(entries.slice(0, 1), { smile: broken, featureSet: set(), tempDir: dir, onError: 'skip' }),
      (err: unknown) => !(err instanceof InputError) && /could not run SMILExtract/.test(String(err)));
  });

  it('resolves standard sets with their sinks and rejects unknown names', () => {
    assert.match(resolveFeatureSet('eGeMAPSv02', '/cfg').sink ?? '', /no_lld_de/);
    assert.equal(resolveFeatureSet('ComParE_2016', '/cfg').dimension, 6373);
    assert.throws(() => resolveFeatureSet('IS09', '/cfg'), InputError);
    assert.throws(() => resolveFeatureSet('/nowhere/x.conf', '/cfg'), InputError);
  });
});

describe('parseFunctionalsCsv', () => {
  it('drops name and frameTime and parses numbers', () => {
    const p = parseFunctionalsCsv("name;frameTime;a;b\n'unknown';0.000000;1.5e-03;-2\n", 'x.wav');
    assert.deepEqual(p.columns, ['a', 'b']);
    assert.deepEqual(Array.from(p.values), [Math.fround(1.5e-3), -2]);
  });
  it('names file and column of a non-finite value', () => {
    assert.throws(() => parseFunctionalsCsv('frameTime;a;b\n0;1;-inf\n', 'x.wav'), (err: unknown) => err instanceof InputError && err.details.field === 'b' && err.details.file === 'x.wav');
    assert.throws(() => parseFunctionalsCsv('frameTime;a\n0;1e39\n', 'x.wav'), InputError);
  });
  it('rejects empty output and several rows', () => {
    assert.throws(() => parseFunctionalsCsv('frameTime;a\n', 'x.wav'), /no functionals row/);
    assert.throws(() => parseFunctionalsCsv('frameTime;a\n0;1\n0;2\n', 'x.wav'), /2 functionals rows/);
  });
});
