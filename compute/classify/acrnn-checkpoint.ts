/**
 * The ACRNN fit checkpoint: everything a fit needs to continue bit-identically after its last
 * completed epoch, as one self-checking Buffer.
 *
 *   bytes 0..7    magic "SFACRNN1"
 *   bytes 8..39   sha256 of every byte from offset 40 to the end
 *   bytes 40..43  header length H (uint32 little-endian)
 *   H bytes       header: UTF-8 JSON { meta, tensors: [{ name, shape }] }
 *   0-3 bytes     zero padding to a multiple of 4
 *   payload       the tensors' float32 values in header order, little-endian
 *
 * `meta` (format 'serflow.acrnn.fit', version 1): the spec, seed, classes, bands, a sha256 of the
 * training and validation data, the completed epochs, Adam's step count, and the early-stopping
 * record (best epoch, its validation UAR and loss). The tensors: the network state
 * (compute/nn/acrnn-network.ts names them: every parameter, `adam.m.*`, `adam.v.*`,
 * `bn.runningMean`, `bn.runningVariance`) and, once early stopping has a best epoch, its weights
 * as `best.<name>` for every parameter and the two running averages. No random-number state:
 * each epoch's batch order is drawn from a seed derived from (seed, epoch). The delta
 * normalisation is not stored either: the data hash pins the training rows it is computed from.
 *
 * Decoding checks the magic, the hash, the header, and that every tensor the spec implies is
 * there with its shape; anything else is a CorruptAcrnnCheckpointError (an InputError).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { AcrnnNetworkState } from '../nn/acrnn-network';
import { acrnnParameterShapes } from '../nn/acrnn-network';
import type { AcrnnSpec } from './acrnn-spec';
import { acrnnSpecSchema } from './acrnn-spec';

const MAGIC = Buffer.from('SFACRNN1', 'ascii');
const HASH_OFFSET = MAGIC.length;
const HEADER_LENGTH_OFFSET = HASH_OFFSET + 32;
const HEADER_OFFSET = HEADER_LENGTH_OFFSET + 4;
const RUNNING = ['bn.runningMean', 'bn.runningVariance'];

export class CorruptAcrnnCheckpointError extends InputError {
  readonly corruptCheckpoint = true;
  constructor(reason: string) {
    super({ field: 'checkpoint', reason, fix: 'resume from the previous checkpoint, or train from scratch' });
  }
}

const bestSchema = z.strictObject({
  epoch: z.number().int().positive(),
  uar: z.number().min(0).max(1),
  loss: z.number(),
});

const metaSchema = z.strictObject({
  format: z.literal('serflow.acrnn.fit'),
  version: z.literal(1),
  spec: acrnnSpecSchema,
  seed: z.number().int(),
  classes: z.array(z.string()).min(1),
  bands: z.number().int().positive(),
  dataHash: z.string().regex(/^[0-9a-f]{64}$/),
  epoch: z.number().int().min(0),
  adamStep: z.number().int().min(0),
  best: bestSchema.nullable(),
});

/** The early-stopping record: the best epoch so far, by validation UAR, then loss. */
export type BestEpoch = z.infer<typeof bestSchema>;

export interface AcrnnCheckpoint {
  spec: AcrnnSpec;
  seed: number;
  classes: string[];
  bands: number;
  /** sha256 (hex) of the data the fit trains and early-stops on (acrnnDataHash). */
  dataHash: string;
  /** Completed epochs. */
  epoch: number;
  network: AcrnnNetworkState;
  best: BestEpoch | null;
  /** The best epoch's parameters and running averages (inference order: parameters, then mean, variance). */
  bestWeights: Float32Array[] | null;
}

/** The names and shapes every checkpoint of this spec and input holds, in order. */
function layout(spec: AcrnnSpec, bands: number, classes: number, withBest: boolean): { name: string; shape: number[] }[] {
  const params = acrnnParameterShapes(spec, { bands, classes });
  const running = RUNNING.map((name) => ({ name, shape: [spec.fcUnits] }));
  const out = [
    ...params.map(({ name, shape }) => ({ name, shape })),
    ...params.flatMap(({ name, shape }) => [{ name: `adam.m.${name}`, shape }, { name: `adam.v.${name}`, shape }]),
    ...running,
  ];
  if (withBest) out.push(...[...params, ...running].map(({ name, shape }) => ({ name: `best.${name}`, shape })));
  return out;
}

export function encodeAcrnnCheckpoint(c: AcrnnCheckpoint): Buffer {
  const meta: z.input<typeof metaSchema> = {
    format: 'serflow.acrnn.fit', version: 1, spec: c.spec, seed: c.seed, classes: c.classes, bands: c.bands,
    dataHash: c.dataHash, epoch: c.epoch, adamStep: c.network.adamStep, best: c.best,
  };
  const entries = layout(c.spec, c.bands, c.classes.length, c.bestWeights !== null);
  const bestByName = new Map<string, Float32Array>();
  if (c.bestWeights) {
    const names = [...acrnnParameterShapes(c.spec, { bands: c.bands, classes: c.classes.length }).map((s) => s.name), ...RUNNING];
    names.forEach((n, i) => bestByName.set(`best.${n}`, c.bestWeights?.[i] as Float32Array));
  }
  const data = entries.map(({ name, shape }) => {
    const values = name.startsWith('best.') ? bestByName.get(name) : c.network.tensors.get(name);
    const size = shape.reduce((a, s) => a * s, 1);
    if (values === undefined || values.length !== size) throw new Error(`ACRNN checkpoint: ${name} needs ${size} values, has ${values?.length ?? 'none'}`);
    return values;
  });
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries }), 'utf8');
  const padding = (4 - ((HEADER_OFFSET + header.length) % 4)) % 4;
  const payload = data.reduce((a, d) => a + d.byteLength, 0);
  const buf = Buffer.alloc(HEADER_OFFSET + header.length + padding + payload);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(header.length, HEADER_LENGTH_OFFSET);
  header.copy(buf, HEADER_OFFSET);
  let offset = HEADER_OFFSET + header.length + padding;
  for (const d of data) {
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(buf, offset);
    offset += d.byteLength;
  }
  createHash('sha256').update(buf.subarray(HEADER_LENGTH_OFFSET)).digest().copy(buf, HASH_OFFSET);
  return buf;
}

/** The checkpoint in `encodeAcrnnCheckpoint`'s bytes; throws CorruptAcrnnCheckpointError on anything else. */
export function decodeAcrnnCheckpoint(bytes: Uint8Array): AcrnnCheckpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_OFFSET) throw new CorruptAcrnnCheckpointError(`only ${buf.length} bytes, shorter than the fixed header`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptAcrnnCheckpointError('bad magic bytes: not a serflow ACRNN checkpoint');
  const stored = buf.subarray(HASH_OFFSET, HASH_OFFSET + 32);
  const actual = createHash('sha256').update(buf.subarray(HEADER_LENGTH_OFFSET)).digest();
  if (!stored.equals(actual)) throw new CorruptAcrnnCheckpointError('sha256 mismatch: the checkpoint is truncated or altered');
  const headerLength = buf.readUInt32LE(HEADER_LENGTH_OFFSET);
  if (HEADER_OFFSET + headerLength > buf.length) throw new CorruptAcrnnCheckpointError('header length runs past the end');
  let header: { meta?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(buf.subarray(HEADER_OFFSET, HEADER_OFFSET + headerLength).toString('utf8')) as typeof header;
  } catch (e) {
    throw new CorruptAcrnnCheckpointError(`header is not JSON: ${(e as Error).message}`);
  }
  const parsed = metaSchema.safeParse(header.meta);
  if (!parsed.success) throw new CorruptAcrnnCheckpointError(`header does not describe an ACRNN fit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = parsed.data;
  let expected: { name: string; shape: number[] }[];
  try {
    expected = layout(meta.spec, meta.bands, meta.classes.length, meta.best !== null);
  } catch (e) {
    throw new CorruptAcrnnCheckpointError(`spec and bands do not make a network: ${(e as Error).message}`);
  }
  if (JSON.stringify(header.tensors) !== JSON.stringify(expected)) throw new CorruptAcrnnCheckpointError('the tensor list is not the one the spec implies');
  let offset = HEADER_OFFSET + headerLength + ((4 - ((HEADER_OFFSET + headerLength) % 4)) % 4);
  const tensors = new Map<string, Float32Array>();
  for (const { name, shape } of expected) {
    const bytesOf = shape.reduce((a, s) => a * s, 1) * 4;
    if (offset + bytesOf > buf.length) throw new CorruptAcrnnCheckpointError(`tensor ${name} runs past the end of the payload`);
    // A fresh, aligned copy: the source may sit at any byte offset.
    const raw = new ArrayBuffer(bytesOf);
    buf.copy(new Uint8Array(raw), 0, offset, offset + bytesOf);
    tensors.set(name, new Float32Array(raw));
    offset += bytesOf;
  }
  if (offset !== buf.length) throw new CorruptAcrnnCheckpointError(`payload has ${buf.length - offset} bytes more than the listed tensors`);
  const bestNames = expected.filter((e) => e.name.startsWith('best.')).map((e) => e.name);
  const bestWeights = meta.best ? bestNames.map((n) => tensors.get(n) as Float32Array) : null;
  for (const n of bestNames) tensors.delete(n);
  return {
    spec: meta.spec, seed: meta.seed, classes: meta.classes, bands: meta.bands, dataHash: meta.dataHash, epoch: meta.epoch,
    network: { tensors, adamStep: meta.adamStep }, best: meta.best, bestWeights,
  };
}

/** sha256 (hex) of sequence sets' values, labels, lengths and shapes, in order: what a checkpoint was fitted on. */
export function acrnnDataHash(sets: readonly { x: Float32Array; y: Int32Array; frames: number; bands: number; lengths: Int32Array }[]): string {
  const h = createHash('sha256');
  for (const s of sets) {
    h.update(JSON.stringify({ rows: s.y.length, frames: s.frames, bands: s.bands }));
    for (const a of [s.x, s.y, s.lengths]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}
