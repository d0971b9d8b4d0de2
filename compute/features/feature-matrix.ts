/**
 * A feature matrix: a float32 row per utterance, column names, and row metadata. This is what
 * extraction and table import produce and what the content-addressed store keeps.
 */
import type { FeatureShape } from './feature-shape';

export interface RowMeta {
  /** Corpus-relative path of the audio file (or the row's name in an imported table). */
  file: string;
  label: string;
  speaker: string;
  /** Frames of this row when the matrix holds sequences (the rest of the row is zero padding). */
  frames?: number;
}

export interface FeatureMatrix {
  rows: number;
  cols: number;
  /** Row-major, rows * cols values. */
  data: Float32Array;
  columns: string[];
  meta: RowMeta[];
  /** The rows' shape (compute/features/feature-shape.ts); absent: vectors. */
  shape?: FeatureShape;
}
