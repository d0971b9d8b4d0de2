/**
 * Development harness for the evaluation benchmarks and the LOSO table: reads a feature table
 * (TSV: file, speaker, label, then one column per feature, as written by the extraction script
 * used during development), splits leave-one-speaker-out and z-normalises each fold on its
 * training part only. The project's own fold and normalisation modules live elsewhere; this stays
 * small on purpose and mirrors what test/reference/svm_reference.py does (population std,
 * constant columns left at scale 1, like scikit-learn's StandardScaler).
 */
import { readFileSync } from 'node:fs';
import type { LabelledSet } from '../compute/labelled-set';

export interface FeatureTable {
  rows: number;
  cols: number;
  x: Float32Array;
  labels: string[];
  speakers: string[];
  files: string[];
}

export const EMODB_CLASSES = ['anger', 'fear', 'happiness', 'neutral', 'sadness'];

export function readFeatureTable(path: string): FeatureTable {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split('\t');
  const cols = header.length - 3;
  const body = lines.slice(1);
  const x = new Float32Array(body.length * cols);
  const labels: string[] = [];
  const speakers: string[] = [];
  const files: string[] = [];
  body.forEach((line, i) => {
    const parts = line.split('\t');
    files.push(parts[0] ?? '');
    speakers.push(parts[1] ?? '');
    labels.push(parts[2] ?? '');
    for (let j = 0; j < cols; j++) x[i * cols + j] = Number(parts[j + 3]);
  });
  return { rows: body.length, cols, x, labels, speakers, files };
}

export interface Fold {
  speaker: string;
  train: LabelledSet;
  test: LabelledSet;
  testRows: number[];
  /** Speaker of each training row (early stopping and model selection split by speaker). */
  trainSpeakers: string[];
}

/** One fold per speaker, in sorted speaker order, each z-normalised on its training rows. */
export function leaveOneSpeakerOutFolds(table: FeatureTable, classes = EMODB_CLASSES): Fold[] {
  const speakers = [...new Set(table.speakers)].sort();
  return speakers.map((speaker) => {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    table.speakers.forEach((s, i) => (s === speaker ? testRows : trainRows).push(i));
    const train = subset(table, trainRows, classes);
    const test = subset(table, testRows, classes);
    zNormaliseInPlace(train, test);
    return { speaker, train, test, testRows, trainSpeakers: trainRows.map((r) => table.speakers[r] as string) };
  });
}

function subset(table: FeatureTable, rows: number[], classes: string[]): LabelledSet {
  const { cols } = table;
  const x = new Float32Array(rows.length * cols);
  const y = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(table.x.subarray(r * cols, (r + 1) * cols), i * cols);
    const c = classes.indexOf(table.labels[r] ?? '');
    if (c < 0) throw new Error(`unknown label ${table.labels[r]} in row ${r}`);
    y[i] = c;
  });
  return { rows: rows.length, cols, x, y, classes };
}

function zNormaliseInPlace(train: LabelledSet, test: LabelledSet): void {
  const { cols } = train;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (train.x[i * cols + j] as number);
  for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / train.rows;
  for (let i = 0; i < train.rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = (train.x[i * cols + j] as number) - (mean[j] as number);
      sq[j] = (sq[j] as number) + d * d;
    }
  }
  const scale = Array.from(sq, (s) => {
    const sd = Math.sqrt(s / train.rows);
    return sd > 0 ? sd : 1;
  });
  for (const set of [train, test]) {
    for (let i = 0; i < set.rows; i++) {
      for (let j = 0; j < cols; j++) set.x[i * cols + j] = ((set.x[i * cols + j] as number) - (mean[j] as number)) / (scale[j] as number);
    }
  }
}
