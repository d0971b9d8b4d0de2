/**
 * The shape of a feature set's rows, declared by its extractor and accepted (or refused) by each
 * classifier and augmentation: the schema checks a config against these declarations before
 * anything is launched (configs/schema/experiment.ts).
 *
 * - `vector`: one value per column (openSMILE functionals, an imported table).
 * - `sequence`: a row is `frames x bands` values, frame-major (value of frame t, band b at
 *   `t * bands + b`), padded with zeros after the row's own number of frames (RowMeta.frames in a
 *   FeatureMatrix, `sequence.lengths` in a LabelledSet). `frames` is the longest row's.
 */
import { z } from 'zod';

export const SHAPE_KINDS = ['vector', 'sequence'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

export const featureShapeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('vector') }),
  z.strictObject({
    kind: z.literal('sequence'),
    /** Frames of the longest row; shorter rows are zero-padded to it. */
    frames: z.number().int().positive(),
    /** Values per frame (mel bands). */
    bands: z.number().int().positive(),
  }),
]);
export type FeatureShape = z.infer<typeof featureShapeSchema>;
export type SequenceShape = Extract<FeatureShape, { kind: 'sequence' }>;

export const VECTOR_SHAPE: FeatureShape = { kind: 'vector' };
