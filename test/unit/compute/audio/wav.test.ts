import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeWav, encodeWavPcm16, readWav, readWavFormat } from '../../../../compute/audio/wav';
import { InputError } from '../../../../foundation/errors';

/**
 * Builds WAV bytes by hand, independently of the encoder under test, so that broken and odd
 * files can be made exactly as hostile as needed.
 */
interface RawWav {
  formatTag?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  blockAlign?: number;
  extensibleSubformat?: number;
  /** Interleaved sample bytes. */
  data: Buffer;
  /** Override the data chunk's declared size. */
  dataSize?: number;
  /** Chunks before fmt / between fmt and data. */
  before?: Buffer[];
  between?: Buffer[];
  omitFmt?: boolean;
}

function chunk(id: string, body: Buffer, pad = true): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(body.length, 4);
  const padding = pad && body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([head, body, padding]);
}

function rawWav(o: RawWav): Buffer {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const tag = o.formatTag ?? 1;
  const blockAlign = o.blockAlign ?? channels * (bits / 8);
  const sampleRate = o.sampleRate ?? 16000;
  let fmt = Buffer.alloc(o.extensibleSubformat === undefined ? 16 : 40);
  fmt.writeUInt16LE(o.extensibleSubformat === undefined ? tag : 0xfffe, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE(sampleRate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(bits, 14);
  if (o.extensibleSubformat !== undefined) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(bits, 18);
    fmt.writeUInt32LE(channels === 2 ? 3 : 4, 20);
    fmt.writeUInt16LE(o.extensibleSubformat, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  }
  if (o.omitFmt) fmt = Buffer.alloc(0);
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'ascii');
  dataHead.writeUInt32LE(o.dataSize ?? o.data.length, 4);
  const body = Buffer.concat([
    Buffer.from('WAVE', 'ascii'),
    ...(o.before ?? []),
    o.omitFmt ? Buffer.alloc(0) : chunk('fmt ', fmt),
    ...(o.between ?? []),
    dataHead,
    o.data,
  ]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function int16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

function expectInputError(fn: () => unknown, reason: RegExp, file = 'x.wav'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.details.file, file);
    assert.match(err.details.reason, reason);
    assert.ok(err.details.fix, 'an InputError must say how to fix it');
    assert.ok(err.message.includes(file));
    return true;
  });
}

describe('decodeWav: supported encodings', () => {
  it('decodes 16-bit PCM mono exactly', () => {
    const a = decodeWav(rawWav({ data: int16([0, 16384, -32768, 32767]) }), 'x.wav');
    assert.equal(a.sampleRate, 16000);
    assert.equal(a.encoding, 'pcm16');
    assert.deepEqual(Array.from(a.samples), [0, 0.5, -1, 32767 / 32768]);
  });

  it('decodes 8-bit unsigned PCM', () => {
    const a = decodeWav(rawWav({ bits: 8, data: Buffer.from([128, 192, 0, 255]) }), 'x.wav');
    assert.deepEqual(Array.from(a.samples), [0, 0.5, -1, 127 / 128]);
  });

  it('decodes 24-bit PCM including negative values', () => {
    const data = Buffer.alloc(9);
    data.writeIntLE(4194304, 0, 3); // 0.5
    data.writeIntLE(-8388608, 3, 3); // -1
    data.writeIntLE(-1, 6, 3);
    const a = decodeWav(rawWav({ bits: 24, data }), 'x.wav');
    assert.equal(a.encoding, 'pcm24');
    assert.deepEqual(Array.from(a.samples), [0.5, -1, Math.fround(-1 / 8388608)]);
  });

  it('decodes 32-bit PCM', () => {
    const data = Buffer.alloc(8);
    data.writeInt32LE(-1073741824, 0);
    data.writeInt32LE(2147483647, 4);
    const a = decodeWav(rawWav({ bits: 32, data }), 'x.wav');
    assert.equal(a.samples[0], -0.5);
    assert.ok(Math.abs((a.samples[1] as number) - 1) < 1e-7);
  });

  it('decodes IEEE float32 and float32 inside WAVE_FORMAT_EXTENSIBLE', () => {
    const data = Buffer.alloc(12);
    [0.25, -0.75, 1.5].forEach((v, i) => data.writeFloatLE(v, i * 4));
    const plain = decodeWav(rawWav({ formatTag: 3, bits: 32, data }), 'x.wav');
    assert.equal(plain.encoding, 'float32');
    assert.deepEqual(Array.from(plain.samples), [0.25, -0.75, 1.5]);
    const ext = decodeWav(rawWav({ extensibleSubformat: 3, bits: 32, data }), 'x.wav');
    assert.deepEqual(Array.from(ext.samples), [0.25, -0.75, 1.5]);
  });

  it('decodes 24-bit PCM inside WAVE_FORMAT_EXTENSIBLE, stereo, mixed to mono', () => {
    const data = Buffer.alloc(12);
    data.writeIntLE(4194304, 0, 3); // L 0.5
    data.writeIntLE(0, 3, 3); // R 0
    data.writeIntLE(-4194304, 6, 3); // L -0.5
    data.writeIntLE(-4194304, 9, 3); // R -0.5
    const a = decodeWav(rawWav({ extensibleSubformat: 1, bits: 24, channels: 2, data }), 'x.wav');
    assert.equal(a.channels, 2);
    assert.deepEqual(Array.from(a.samples), [0.25, -0.5]);
  });

  it('mixes 6 channels to mono by averaging', () => {
    const a = decodeWav(rawWav({ channels: 6, data: int16([6000, 0, 0, 0, 0, 0, 600, 600, 600, 600, 600, 600]) }), 'x.wav');
    assert.equal(a.samples.length, 2);
    assert.ok(Math.abs((a.samples[0] as number) - 1000 / 32768) < 1e-7);
    assert.ok(Math.abs((a.samples[1] as number) - 600 / 32768) < 1e-7);
  });

  it('skips odd-sized chunks with and without their pad byte', () => {
    const odd = Buffer.from('abc', 'ascii');
    const padded = decodeWav(rawWav({ between: [chunk('LIST', odd, true)], data: int16([100, 200]) }), 'x.wav');
    assert.deepEqual(Array.from(padded.samples), [100 / 32768, 200 / 32768]);
    const unpadded = decodeWav(rawWav({ between: [chunk('LIST', odd, false)], data: int16([100, 200]) }), 'x.wav');
    assert.deepEqual(Array.from(unpadded.samples), [100 / 32768, 200 / 32768]);
  });

  it('drops a trailing partial frame', () => {
    const a = decodeWav(rawWav({ data: Buffer.concat([int16([300, 400]), Buffer.from([7])]) }), 'x.wav');
    assert.deepEqual(Array.from(a.samples), [300 / 32768, 400 / 32768]);
  });

  it('accepts a data chunk before the fmt chunk', () => {
    const ordinary = rawWav({ data: int16([300, -400]) });
    // RIFF(12) fmt(24) data(8 + 4): move data in front of fmt.
    const reordered = Buffer.concat([ordinary.subarray(0, 12), ordinary.subarray(36), ordinary.subarray(12, 36)]);
    assert.deepEqual(Array.from(decodeWav(reordered, 'x.wav').samples), [300 / 32768, -400 / 32768]);
  });

  it('reads what is there with allowTruncated', () => {
    const a = decodeWav(rawWav({ data: int16([1, 2, 3]), dataSize: 1000 }), 'x.wav', { allowTruncated: true });
    assert.equal(a.samples.length, 3);
  });
});

describe('decodeWav: hostile input throws InputError naming file, reason and fix', () => {
  const good = rawWav({ data: int16([1, 2, 3, 4]) });
  it('empty and truncated headers', () => {
    expectInputError(() => decodeWav(Buffer.alloc(0), 'x.wav'), /too short/);
    expectInputError(() => decodeWav(good.subarray(0, 30), 'x.wav'), /ends inside the fmt chunk/);
    expectInputError(() => decodeWav(good.subarray(0, 40), 'x.wav'), /no data chunk/);
  });
  it('a data chunk larger than the file', () => {
    expectInputError(() => decodeWav(good.subarray(0, good.length - 3), 'x.wav'), /larger than the file/);
    expectInputError(() => decodeWav(rawWav({ data: int16([1]), dataSize: 0xffffffff }), 'x.wav'), /larger than the file/);
  });
  it('not a WAV at all', () => {
    expectInputError(() => decodeWav(Buffer.from('ID3\u0003 this is an mp3 file....'), 'x.wav'), /not a RIFF\/WAVE/);
  });
  it('missing fmt chunk', () => {
    expectInputError(() => decodeWav(rawWav({ omitFmt: true, data: int16([1, 2]) }), 'x.wav'), /no fmt chunk/);
  });
  it('zero channels, zero sample rate, inconsistent block align', () => {
    expectInputError(() => decodeWav(rawWav({ channels: 0, blockAlign: 2, data: int16([1, 2]) }), 'x.wav'), /zero channels/);
    expectInputError(() => decodeWav(rawWav({ sampleRate: 0, data: int16([1, 2]) }), 'x.wav'), /0 Hz/);
    expectInputError(() => decodeWav(rawWav({ blockAlign: 3, data: int16([1, 2]) }), 'x.wav'), /block align/);
  });
  it('zero-length audio', () => {
    expectInputError(() => decodeWav(rawWav({ data: Buffer.alloc(0) }), 'x.wav'), /zero-length/);
    expectInputError(() => decodeWav(rawWav({ data: Buffer.from([1]) }), 'x.wav'), /zero-length/);
  });
  it('unsupported encodings: mu-law, A-law, ADPCM, 12-bit PCM, float16, unknown tag', () => {
    expectInputError(() => decodeWav(rawWav({ formatTag: 7, bits: 8, data: Buffer.from([1, 2]) }), 'x.wav'), /mu-law/);
    expectInputError(() => decodeWav(rawWav({ formatTag: 6, bits: 8, data: Buffer.from([1, 2]) }), 'x.wav'), /A-law/);
    expectInputError(() => decodeWav(rawWav({ formatTag: 2, bits: 4, blockAlign: 256, data: Buffer.alloc(256) }), 'x.wav'), /ADPCM/);
    expectInputError(() => decodeWav(rawWav({ formatTag: 0x11, bits: 4, blockAlign: 256, data: Buffer.alloc(256) }), 'x.wav'), /IMA ADPCM/);
    expectInputError(() => decodeWav(rawWav({ bits: 12, blockAlign: 2, data: int16([1]) }), 'x.wav'), /12-bit/);
    expectInputError(() => decodeWav(rawWav({ formatTag: 3, bits: 16, data: int16([1]) }), 'x.wav'), /16-bit float/);
    expectInputError(() => decodeWav(rawWav({ extensibleSubformat: 0x1234, bits: 16, data: int16([1]) }), 'x.wav'), /0x1234/);
  });
  it('NaN in float data', () => {
    const data = Buffer.alloc(8);
    data.writeFloatLE(0.5, 0);
    data.writeFloatLE(Number.NaN, 4);
    expectInputError(() => decodeWav(rawWav({ formatTag: 3, bits: 32, data }), 'x.wav'), /not a finite/);
  });
});

describe('readWav and encodeWavPcm16', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'serflow-wav-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('round-trips 16-bit PCM through a file, mono and stereo', async () => {
    const mono = Float32Array.from({ length: 1000 }, (_, i) => Math.round(Math.sin(i / 7) * 20000) / 32768);
    const path = join(dir, 'mono.wav');
    await writeFile(path, encodeWavPcm16(mono, 22050));
    const a = await readWav(path);
    assert.equal(a.sampleRate, 22050);
    assert.deepEqual(a.samples, mono);

    const left = Float32Array.from([0.5, -0.5, 0.25]);
    const right = Float32Array.from([0, 0.5, 0.25]);
    const b = decodeWav(encodeWavPcm16([left, right], 8000), 'stereo.wav');
    assert.equal(b.channels, 2);
    assert.deepEqual(Array.from(b.samples), [0.25, 0, 0.25]);
  });

  it('clips values outside [-1, 1] and rejects NaN', () => {
    const a = decodeWav(encodeWavPcm16(Float32Array.from([2, -2]), 16000), 'c.wav');
    assert.deepEqual(Array.from(a.samples), [32767 / 32768, -1]);
    assert.throws(() => encodeWavPcm16(Float32Array.from([Number.NaN]), 16000), RangeError);
  });

  it('names a missing file', async () => {
    const path = join(dir, 'missing.wav');
    await assert.rejects(readWav(path), (err: unknown) => err instanceof InputError && err.details.file === path);
    await assert.rejects(readWavFormat(path), (err: unknown) => err instanceof InputError && err.details.file === path);
  });

  it('readWavFormat reads rate, channels and encoding from the header, with readWav\'s checks', async () => {
    const stereo = join(dir, 'format-stereo.wav');
    await writeFile(stereo, rawWav({ channels: 2, sampleRate: 48000, bits: 24, data: Buffer.alloc(2 * 3 * 10) }));
    assert.deepEqual(await readWavFormat(stereo), { sampleRate: 48000, channels: 2, encoding: 'pcm24' });
    const truncated = join(dir, 'format-truncated.wav');
    await writeFile(truncated, rawWav({ data: int16([1, 2]), dataSize: 400 }));
    await assert.rejects(readWavFormat(truncated), (err: unknown) => err instanceof InputError && err.details.file === truncated && /truncated/.test(err.details.reason));
  });

  it('decodes a real EMO-DB file', async () => {
    const a = await readWav('/work/shared/emodb/wav/03a01Fa.wav');
    assert.equal(a.sampleRate, 16000);
    assert.equal(a.channels, 1);
    assert.equal(a.samples.length, (0xed48) / 2);
  });
});
