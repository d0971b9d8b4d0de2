/**
 * The log-Mel spectrogram (compute/features/log-mel.ts) against librosa 0.11 on real EMO-DB
 * files, and its corpus extraction (log-mel-extraction.ts): frame count, padding, bad audio,
 * determinism. The librosa checks are skipped when the corpus or librosa in the venv is missing
 * (infra/setup.sh python installs it); the others run everywhere.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resample } from '../../../../compute/audio/resample';
import { encodeWavPcm16, readWav } from '../../../../compute/audio/wav';
import type { CorpusEntry } from '../../../../compute/corpus/corpus-entry';
import { LogMelPlan, logMelFrameCount, logMelSpectrogram, type LogMelSpectrogram } from '../../../../compute/features/log-mel';
import { extractLogMel, logMelColumns } from '../../../../compute/features/log-mel-extraction';
import { readPreparedAudio } from '../../../../compute/features/prepared-audio';
import type { FeatureRow } from '../../../../compute/features/feature-rows';
import { InputError } from '../../../../foundation/errors';

const PYTHON = join(homedir(), '.cache/serflow/venv/bin/python');
const REFERENCE = join(__dirname, '..', '..', '..', 'reference', 'log_mel_reference.py');
const WAV = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'emodb', 'wav');
// The shortest and the longest utterance of EMO-DB, and two of other speakers and emotions.
const FILES = ['12a02Ac.wav', '08b03Tc.wav', '03a01Fa.wav', '16a04Wc.wav'];

const hasLibrosa = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import librosa'], { stdio: 'ignore' }).status === 0;
const skipLibrosa = !existsSync(WAV) ? `no corpus at ${WAV}` : !hasLibrosa ? `no librosa in ${PYTHON} (npm run setup installs it)` : false;

/**
 * Both sides compute in float64 and differ by round-off of about 1e-12 in the log; ours is then
 * stored in float32, which rounds a value |v| < 32 (the log of any power of [-1, 1] audio, and
 * of the 1e-10 floor, -23.03) by at most half an ulp, 9.5e-7. 1e-5 leaves room for that and
 * nothing else: a window, scale or framing difference moves values by 1e-2 and more.
 */
const TOLERANCE = 1e-5;

interface Reference extends LogMelSpectrogram {
  file: string;
  sampleRate: number;
  samples: number;
}

function librosa(paths: string[]): Reference[] {
  const out = execFileSync(PYTHON, [REFERENCE, ...paths], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return (JSON.parse(out) as (Omit<Reference, 'values'> & { values: number[] })[]).map((r) => ({ ...r, values: Float32Array.from(r.values) }));
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function tone(seconds: number, rate: number, freq = 440): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * freq * i) / rate));
}

describe('logMelSpectrogram against librosa', () => {
  it('equals librosa (htk mel, no norm, power, Hamming, uncentred frames) on four EMO-DB utterances within 1e-5', { skip: skipLibrosa, timeout: 120_000 }, async () => {
    const refs = librosa(FILES.map((f) => join(WAV, f)));
    for (const ref of refs) {
      const audio = await readWav(ref.file);
      assert.equal(audio.sampleRate, 16000);
      const ours = logMelSpectrogram(audio.samples, audio.sampleRate);
      assert.equal(ours.bands, 40);
      assert.equal(ours.frames, ref.frames, ref.file);
      assert.equal(ours.frames, logMelFrameCount(audio.samples.length, 400, 160));
      const diff = maxAbsDifference(ours.values, ref.values);
      assert.ok(diff <= TOLERANCE, `${ref.file}: max |ours - librosa| = ${diff}`);
    }
  });

  it('extracts a 44.1 kHz stereo copy from the 16 kHz mono audio the pipeline prepares, as librosa does', { skip: skipLibrosa, timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serflow-logmel-rate-'));
    try {
      const original = await readWav(join(WAV, '11a02Ec.wav'));
      const hi = resample(original.samples, 16000, 44100);
      const copy = join(dir, 'copy-44k.wav');
      await writeFile(copy, encodeWavPcm16([hi, hi.map((v) => 0.5 * v)], 44100));
      const prepared = await readPreparedAudio(copy);
      assert.equal(prepared.sampleRate, 16000);
      assert.deepEqual(prepared.preparation, { downmixFrom: 2, resample: { from: 44100, to: 16000 }, reencodeFrom: null });
      const preparedWav = join(dir, 'prepared-16k.wav');
      await writeFile(preparedWav, encodeWavPcm16(prepared.samples, 16000));

      const { matrix } = await extractLogMel([{ path: copy, file: 'copy-44k.wav', label: 'disgust', speaker: '11' }]);
      const [ref] = librosa([preparedWav]);
      assert.equal(ref?.sampleRate, 16000);
      assert.equal(matrix.meta[0]?.frames, ref?.frames);
      assert.equal(matrix.meta[0]?.frames, logMelFrameCount(prepared.samples.length, 400, 160));
      const diff = maxAbsDifference(matrix.data, (ref as Reference).values);
      assert.ok(diff <= TOLERANCE, `max |ours - librosa| = ${diff}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('logMelSpectrogram', () => {
  it('has 1 + max(0, ceil((n - 400) / 160)) frames at 16 kHz: every sample is in a frame', () => {
    const cases: [number, number][] = [[1, 1], [399, 1], [400, 1], [401, 2], [560, 2], [561, 3], [16000, 99], [48000, 299]];
    for (const [n, frames] of cases) {
      assert.equal(logMelFrameCount(n, 400, 160), frames, `${n} samples`);
      assert.equal(logMelSpectrogram(tone(n / 16000, 16000), 16000).frames, frames, `${n} samples`);
    }
    // Only the very last sample is not zero: the zero-padded last frame holds it.
    const lastOnly = new Float32Array(561);
    lastOnly[560] = 0.5;
    const s = logMelSpectrogram(lastOnly, 16000);
    const floor = Math.fround(Math.log(1e-10));
    assert.ok(s.values.subarray(0, 2 * 40).every((v) => v === floor), 'frames without the sample are at the floor');
    assert.ok(s.values.subarray(2 * 40).every((v) => v > floor), 'the last frame sees the last sample in every band');
  });

  it('is deterministic: the same samples give the same bits, with a new plan or the same one', () => {
    const x = tone(1.3, 16000, 313);
    const a = logMelSpectrogram(x, 16000);
    const plan = new LogMelPlan(16000);
    const b = plan.compute(x);
    const c = plan.compute(x);
    assert.deepEqual(Buffer.from(b.values.buffer), Buffer.from(a.values.buffer));
    assert.deepEqual(Buffer.from(c.values.buffer), Buffer.from(a.values.buffer));
  });

  it('refuses a misspelt option, and options that cannot work at the sample rate, naming the field', () => {
    assert.throws(() => logMelSpectrogram(tone(0.1, 16000), 16000, { band: 40 } as never), /band/);
    assert.throws(() => logMelSpectrogram(tone(0.1, 16000), 16000, { fftSize: 500 }), /power of two/);
    assert.throws(() => logMelSpectrogram(tone(0.1, 16000), 16000, { windowMs: 40 }), (e: unknown) => e instanceof InputError && e.details.field === 'logMel.fftSize');
    assert.throws(() => logMelSpectrogram(tone(0.1, 16000), 16000, { fMax: 9000 }), (e: unknown) => e instanceof InputError && e.details.field === 'logMel.fMax');
    assert.throws(() => logMelSpectrogram(tone(0.1, 16000), 16000, { bands: 128 }), (e: unknown) => e instanceof InputError && e.details.field === 'logMel.bands' && /no FFT bin/.test(e.message));
    assert.throws(() => logMelSpectrogram(new Float32Array(0), 16000), InputError);
  });
});

describe('extractLogMel', () => {
  let dir = '';
  const entry = (file: string): CorpusEntry => ({ path: join(dir, file), file, label: 'anger', speaker: file.slice(0, 2) });
  const good = ['s1_short.wav', 's2_long.wav', 's1_mid.wav'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serflow-logmel-unit-'));
    await writeFile(join(dir, 's1_short.wav'), encodeWavPcm16(tone(0.25, 16000, 200), 16000));
    await writeFile(join(dir, 's2_long.wav'), encodeWavPcm16(tone(0.61, 16000, 300), 16000));
    await writeFile(join(dir, 's1_mid.wav'), encodeWavPcm16(tone(0.4, 16000, 500), 16000));
    await writeFile(join(dir, 'silent.wav'), encodeWavPcm16(new Float32Array(1600), 16000));
    await writeFile(join(dir, 'empty.wav'), encodeWavPcm16(new Float32Array(0), 16000));
    await writeFile(join(dir, 'corrupt.wav'), Buffer.from('RIFF....WAVEjunkjunkjunk'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("zero-pads every row to the longest one's frames; meta.frames is each row's own count", async () => {
    const progress: number[] = [];
    const { matrix, skipped } = await extractLogMel(good.map(entry), { onProgress: (done) => progress.push(done) });
    assert.deepEqual(skipped, []);
    assert.deepEqual(progress, [1, 2, 3]);
    // 0.25 s = 4000 samples: 1 + ceil(3600 / 160) = 24 frames; 0.61 s: 60; 0.4 s: 39.
    assert.deepEqual(matrix.meta.map((m) => [m.file, m.frames]), [['s1_short.wav', 24], ['s2_long.wav', 60], ['s1_mid.wav', 39]]);
    assert.deepEqual(matrix.shape, { kind: 'sequence', frames: 60, bands: 40 });
    assert.deepEqual(matrix.columns, logMelColumns(40));
    assert.equal(matrix.columns[39], 'mel39');
    assert.equal(matrix.cols, 60 * 40);
    assert.equal(matrix.data.length, 3 * 60 * 40);
    for (const [r, file] of good.entries()) {
      const own = logMelSpectrogram((await readWav(join(dir, file))).samples, 16000);
      const row = matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols);
      assert.deepEqual(row.subarray(0, own.frames * 40), own.values, file);
      assert.ok(row.subarray(own.frames * 40).every((v) => v === 0), `${file}: zero padding after its frames`);
    }
  });

  it('resumes: reuses existing rows unpadded, hands new rows to onRow without padding', async () => {
    const first = await extractLogMel(good.slice(0, 2).map(entry));
    const seen: FeatureRow[] = [];
    const r = await extractLogMel(good.map(entry), { existing: first.matrix, onRow: (row, columns) => { seen.push(row); assert.equal(columns.length, 40); } });
    assert.deepEqual(seen.map((s) => [s.file, s.frames, s.values.length]), [['s1_mid.wav', 39, 39 * 40]]);
    assert.equal(r.reused, 2);
    assert.equal(r.extracted, 1);
    const all = await extractLogMel(good.map(entry));
    assert.deepEqual(r.matrix, all.matrix);
    const short = await extractLogMel([entry('s1_short.wav')], { existing: first.matrix });
    assert.deepEqual(short.matrix.shape, { kind: 'sequence', frames: 24, bands: 40 }, 'padding is to the longest row present');
    await assert.rejects(extractLogMel(good.map(entry), { existing: first.matrix, spec: { bands: 20 } }), /same log-Mel spec/);
  });

  it('refuses silent, zero-length and corrupt audio with an InputError naming the file, or skips it', async () => {
    const bad = ['silent.wav', 'empty.wav', 'corrupt.wav', 'missing.wav'].map(entry);
    for (const b of bad) {
      await assert.rejects(extractLogMel([entry('s1_short.wav'), b]), (err: unknown) => err instanceof InputError && err.message.includes(b.file), b.file);
    }
    await assert.rejects(extractLogMel([entry('silent.wav')]), /silent\.wav: audio is silent \(peak 0\.00e\+0 <= 0\.0001\)/);
    const r = await extractLogMel([entry('s1_short.wav'), ...bad], { onError: 'skip' });
    assert.equal(r.matrix.rows, 1);
    assert.deepEqual(r.skipped.map((s) => s.file), bad.map((b) => b.file));
    assert.match(r.skipped[0]?.reason ?? '', /silent/);
    assert.match(r.skipped[1]?.reason ?? '', /zero-length/);
    await assert.rejects(extractLogMel(bad, { onError: 'skip' }), /no file could be extracted/);
  });

  it('stops at the next file when aborted, with the abort reason', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    const onProgress = (n: number): void => {
      done.push(n);
      controller.abort(new Error('stop'));
    };
    await assert.rejects(extractLogMel(good.map(entry), { signal: controller.signal, onProgress }), /stop/);
    assert.deepEqual(done, [1], 'no file after the abort');
  });
});
