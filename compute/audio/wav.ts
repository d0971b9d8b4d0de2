/**
 * WAV (RIFF/WAVE) decoding and 16-bit PCM encoding.
 *
 * Decodes integer PCM (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit), plain
 * or WAVE_FORMAT_EXTENSIBLE, any channel count (mixed down to mono by averaging). Everything
 * that is not a well-formed file of those encodings throws an InputError that names the file,
 * what is wrong and how to fix it: corpora come from outside and a half-read file must never
 * turn silently into a short or garbled feature vector.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../foundation/errors';

/** What a WAV file holds, read from its header: enough to decide how to convert it. */
export interface WavFormat {
  /** Samples per second. */
  sampleRate: number;
  /** Channel count of the file (before any mix-down). */
  channels: number;
  /** Encoding of the file, e.g. "pcm16", "pcm24", "float32". */
  encoding: WavEncoding;
}

export interface DecodedAudio extends WavFormat {
  /** Mono samples in [-1, 1] (multi-channel input is averaged). */
  samples: Float32Array;
}

export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Format tags people meet in the wild, so the error can say what the file is. */
const KNOWN_UNSUPPORTED: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0055: 'MPEG layer 3',
};

const CONVERT_FIX = 'convert it to 16-bit PCM WAV, e.g. `sox in.wav -b 16 -e signed-integer out.wav` or `ffmpeg -i in.wav -c:a pcm_s16le out.wav`';

/** Reads and decodes a WAV file. Throws InputError for anything that is not a decodable WAV. */
export async function readWav(path: string): Promise<DecodedAudio> {
  return decodeWav(await readAudioBytes(path), path);
}

async function readAudioBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new InputError({ file: path, reason: code === 'ENOENT' ? 'audio file does not exist' : 'expected an audio file, found a folder', fix: 'check the corpus path and manifest' });
    }
    throw err;
  }
}

interface FmtChunk {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

/** Reads a WAV file's format without decoding its samples. Throws InputError like readWav. */
export async function readWavFormat(path: string): Promise<WavFormat> {
  return parseWavLayout(await readAudioBytes(path), path, {}).format;
}

/**
 * Decodes WAV bytes. `file` is only used in error messages.
 * Options: `allowTruncated` reads the frames that are present when the data chunk claims more
 * bytes than the file holds (default false: such a file is usually a broken copy).
 */
export function decodeWav(bytes: Uint8Array, file: string, options: { allowTruncated?: boolean } = {}): DecodedAudio {
  const { format, data, blockAlign, fail } = parseWavLayout(bytes, file, options);
  // A final partial frame (odd data size, cut-off write) carries no complete sample: drop it.
  const frames = Math.floor(data.size / blockAlign);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = mixToMono(view, data.offset, frames, format.channels, format.encoding);
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i] as number)) fail(`sample ${i} is not a finite number (NaN or infinity in float data)`, 're-export the audio; the float data is corrupt');
  }
  return { samples, ...format };
}

type Fail = (reason: string, fix?: string, extra?: { expected?: unknown; actual?: unknown }) => never;

/** The checked chunk layout of a WAV file: its format and where its sample frames are. */
function parseWavLayout(bytes: Uint8Array, file: string, options: { allowTruncated?: boolean }): { format: WavFormat; data: { offset: number; size: number }; blockAlign: number; fail: Fail } {
  const fail: Fail = (reason, fix = CONVERT_FIX, extra = {}) => {
    throw new InputError({ file, reason, fix, ...extra });
  };
  if (bytes.length < 12) fail(`file is ${bytes.length} bytes long, too short for a WAV header`, 'the file is empty or truncated; copy it again from the source');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riff = ascii(bytes, 0, 4);
  const wave = ascii(bytes, 8, 4);
  if (riff === 'RF64') fail('RF64 (64-bit WAV) is not supported', CONVERT_FIX);
  if (riff !== 'RIFF' || wave !== 'WAVE') fail(`not a RIFF/WAVE file (starts with ${JSON.stringify(riff + '....' + wave)})`, 'give a .wav file, or ' + CONVERT_FIX);

  let fmt: FmtChunk | undefined;
  let data: { offset: number; size: number } | undefined;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = ascii(bytes, pos, 4);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16) fail(`fmt chunk is ${size} bytes, needs at least 16`, 'the header is damaged; ' + CONVERT_FIX);
      if (body + 16 > bytes.length) fail('file ends inside the fmt chunk (truncated)', 'copy the file again from the source');
      fmt = readFmt(view, body, size, fail);
    } else if (id === 'data') {
      const available = bytes.length - body;
      if (size > available) {
        if (!options.allowTruncated) {
          fail('data chunk is larger than the file: the file is truncated or its header is wrong', 're-copy or re-export the file (or decode with allowTruncated to read what is there)', { expected: size, actual: available });
        }
        data = { offset: body, size: available };
      } else {
        data = { offset: body, size };
      }
      // Audio comes after fmt in practice; stop if both are known so trailing junk cannot hurt.
      if (fmt) break;
    }
    pos = nextChunk(bytes, body, size);
  }

  if (!fmt) fail('no fmt chunk: the file does not say how its samples are encoded', CONVERT_FIX);
  if (!data) fail('no data chunk: the file holds no audio', 'check that the file is a complete WAV export');
  const f = fmt as FmtChunk;
  const d = data as { offset: number; size: number };
  const encoding = encodingOf(f, fail);
  const bytesPerSample = f.bitsPerSample / 8;
  if (f.blockAlign !== f.channels * bytesPerSample) {
    fail('fmt block align does not match channels x bytes per sample', CONVERT_FIX, { expected: f.channels * bytesPerSample, actual: f.blockAlign });
  }
  if (Math.floor(d.size / f.blockAlign) === 0) fail('data chunk holds no complete sample frame (zero-length audio)', 'remove the file from the corpus or replace it with a non-empty recording');
  return { format: { sampleRate: f.sampleRate, channels: f.channels, encoding }, data: d, blockAlign: f.blockAlign, fail };
}

function readFmt(view: DataView, body: number, size: number, fail: (reason: string, fix?: string) => never): FmtChunk {
  let formatTag = view.getUint16(body, true);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const blockAlign = view.getUint16(body + 12, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's first two bytes are the real tag.
    if (size < 40 || body + 40 > view.byteLength) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, needs 40`, CONVERT_FIX);
    formatTag = view.getUint16(body + 24, true);
  }
  if (channels === 0) fail('fmt says the file has zero channels', CONVERT_FIX);
  if (sampleRate === 0) fail('fmt says the sample rate is 0 Hz', 'the header is damaged; ' + CONVERT_FIX);
  return { formatTag, channels, sampleRate, blockAlign, bitsPerSample };
}

function encodingOf(f: FmtChunk, fail: (reason: string, fix?: string) => never): WavEncoding {
  if (f.formatTag === WAVE_FORMAT_PCM) {
    switch (f.bitsPerSample) {
      case 8: return 'pcm8';
      case 16: return 'pcm16';
      case 24: return 'pcm24';
      case 32: return 'pcm32';
    }
    return fail(`${f.bitsPerSample}-bit integer PCM is not supported (8, 16, 24 and 32 are)`, CONVERT_FIX);
  }
  if (f.formatTag === WAVE_FORMAT_IEEE_FLOAT) {
    if (f.bitsPerSample === 32) return 'float32';
    if (f.bitsPerSample === 64) return 'float64';
    return fail(`${f.bitsPerSample}-bit float is not supported (32 and 64 are)`, CONVERT_FIX);
  }
  const name = KNOWN_UNSUPPORTED[f.formatTag] ?? `format tag 0x${f.formatTag.toString(16).padStart(4, '0')}`;
  return fail(`unsupported encoding ${name} (only integer PCM and IEEE float are decoded)`, CONVERT_FIX);
}

function mixToMono(view: DataView, offset: number, frames: number, channels: number, encoding: WavEncoding): Float32Array {
  const out = new Float32Array(frames);
  const read = sampleReader(view, encoding);
  const width = bytesOf(encoding);
  let p = offset;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      sum += read(p);
      p += width;
    }
    out[i] = sum / channels;
  }
  return out;
}

function bytesOf(encoding: WavEncoding): number {
  switch (encoding) {
    case 'pcm8': return 1;
    case 'pcm16': return 2;
    case 'pcm24': return 3;
    case 'pcm32': case 'float32': return 4;
    case 'float64': return 8;
  }
}

function sampleReader(view: DataView, encoding: WavEncoding): (p: number) => number {
  switch (encoding) {
    case 'pcm8': return (p) => (view.getUint8(p) - 128) / 128;
    case 'pcm16': return (p) => view.getInt16(p, true) / 32768;
    case 'pcm24': return (p) => {
      const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
      return v / 8388608;
    };
    case 'pcm32': return (p) => view.getInt32(p, true) / 2147483648;
    case 'float32': return (p) => view.getFloat32(p, true);
    case 'float64': return (p) => view.getFloat64(p, true);
  }
}

/**
 * Offset of the chunk after one of `size` bytes starting at `body`. RIFF pads odd-sized chunks
 * to an even length, but some writers forget the pad byte: if the padded position does not hold
 * a plausible chunk id and the unpadded one does, trust the unpadded one.
 */
function nextChunk(bytes: Uint8Array, body: number, size: number): number {
  const end = body + size;
  if (size % 2 === 0) return end;
  if (end + 1 + 4 <= bytes.length && looksLikeChunkId(bytes, end + 1)) return end + 1;
  if (end + 4 <= bytes.length && looksLikeChunkId(bytes, end)) return end;
  return end + 1;
}

function looksLikeChunkId(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i];
    if (c === undefined || c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && at + i < bytes.length; i++) s += String.fromCharCode(bytes[at + i] as number);
  return s;
}

/**
 * Encodes samples as a 16-bit PCM WAV. `channels` interleaves several equally long channels;
 * values outside [-1, 1] are clipped, and rounding has no dither so that round trips are exact.
 * A non-finite sample throws a RangeError (it is a bug upstream, not something to write out).
 */
export function encodeWavPcm16(samples: Float32Array | Float32Array[], sampleRate: number): Buffer {
  const channels = Array.isArray(samples) ? samples : [samples];
  const first = channels[0];
  if (!first) throw new RangeError('encodeWavPcm16 needs at least one channel');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`encodeWavPcm16: sample rate must be a positive integer, got ${sampleRate}`);
  const frames = first.length;
  if (channels.some((c) => c.length !== frames)) throw new RangeError('encodeWavPcm16: channels differ in length');
  const n = channels.length;
  const dataBytes = frames * n * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(n, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * n * 2, 28);
  out.writeUInt16LE(n * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let p = 44;
  for (let i = 0; i < frames; i++) {
    for (const ch of channels) {
      const v = Math.round((ch[i] as number) * 32768);
      if (!Number.isFinite(v)) throw new RangeError(`encodeWavPcm16: sample ${i} is ${ch[i]}`);
      out.writeInt16LE(Math.max(-32768, Math.min(32767, v)), p);
      p += 2;
    }
  }
  return out;
}
