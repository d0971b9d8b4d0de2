/**
 * The class-conditional Gaussian mixture as a trained augmenter (compute/fold-models): fitted on
 * one fit set's rows, stored as bytes by content hash, restored to generate. The bytes carry the
 * rows it was fitted on, as a cycle-GAN checkpoint carries its training data, so that the seam
 * can check what the model has seen (compute/fold-models/fit-set-guard.ts).
 *
 * Bytes: a 4-byte little-endian header length, a JSON header (classes, cols, rows, the byte
 * length of each class's encoded mixture, 0 for a class without rows), the rows' float32 values,
 * their int32 labels, then each class's encodeGaussianMixture bytes.
 */
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { TrainedAugmenter } from '../fold-models/trained-augmenter';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import { decodeGaussianMixture, encodeGaussianMixture, sample, type GaussianMixture } from './gaussian-mixture';
import { fitClassConditionalMixture } from './class-conditional-mixture';
import { gaussianMixtureSpecSchema, type GaussianMixtureSpecInput } from './gaussian-mixture-spec';

const headerSchema = z.strictObject({
  format: z.literal('serflow-gmm-augmenter-1'),
  classes: z.array(z.string()),
  cols: z.number().int().positive(),
  rows: z.number().int().positive(),
  mixtureBytes: z.array(z.number().int().nonnegative()),
});

/** Fits one mixture per class on `rows` (a fit set's rows) and encodes it with them. */
export function fitMixtureAugmenter(rows: LabelledSet, spec: GaussianMixtureSpecInput, seed: number): Buffer {
  const model = fitClassConditionalMixture(rows, gaussianMixtureSpecSchema.parse(spec), seed);
  const mixtures = model.mixtures.map((m) => (m ? encodeGaussianMixture(m) : Buffer.alloc(0)));
  const header = Buffer.from(JSON.stringify({
    format: 'serflow-gmm-augmenter-1', classes: [...rows.classes], cols: rows.cols, rows: rows.rows, mixtureBytes: mixtures.map((m) => m.length),
  } satisfies z.infer<typeof headerSchema>));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([length, header, Buffer.from(rows.x.buffer, rows.x.byteOffset, rows.x.byteLength), Buffer.from(rows.y.buffer, rows.y.byteOffset, rows.y.byteLength), ...mixtures]);
}

/** The generator of bytes written by fitMixtureAugmenter. Class c's rows are drawn from deriveSeed(seed, 'gmm-sample'). */
export function restoreMixtureAugmenter(bytes: Buffer): TrainedAugmenter {
  const fail = (reason: string): never => {
    throw new InputError({ field: 'gmm augmenter', reason, fix: 'remove the stored object; the next run refits it' });
  };
  if (bytes.length < 4) fail('fewer than 4 bytes');
  const headerLength = bytes.readUInt32LE(0);
  const parsed = headerSchema.safeParse((() => {
    try {
      return JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  })());
  if (!parsed.success) return fail('its header is not a Gaussian-mixture augmenter header');
  const { classes, cols, rows, mixtureBytes } = parsed.data;
  let at = 4 + headerLength;
  const take = (n: number): Buffer => {
    if (at + n > bytes.length) fail('shorter than its header says');
    const part = Buffer.from(bytes.subarray(at, at + n)); // a copy: aligned for the typed arrays below
    at += n;
    return part;
  };
  const xBytes = take(rows * cols * 4);
  const x = new Float32Array(xBytes.buffer, xBytes.byteOffset, rows * cols);
  take(rows * 4);
  const mixtures: (GaussianMixture | null)[] = mixtureBytes.map((n) => (n === 0 ? null : decodeGaussianMixture(take(n))));
  return {
    seenRows: () => ({ rows, cols, x }),
    generate(classIndex, count, seed) {
      const mixture = mixtures[classIndex];
      if (mixture === undefined || mixture === null) {
        if (count === 0) return { rows: 0, cols, x: new Float32Array(0), y: new Int32Array(0), classes: [...classes] };
        throw new InputError({ field: 'classIndex', reason: `class ${classes[classIndex] ?? classIndex} had no rows to fit a mixture on`, fix: 'drop the class, or use a fold where it has training rows' });
      }
      return { rows: count, cols, x: count === 0 ? new Float32Array(0) : sample(mixture, count, deriveSeed(seed, 'gmm-sample')), y: new Int32Array(count).fill(classIndex), classes: [...classes] };
    },
  };
}
