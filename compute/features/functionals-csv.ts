/**
 * The functionals CSV that openSMILE's cCsvSink writes: a `;`-separated header and one row per
 * input (utterance-level functionals). Bookkeeping columns (name, frameTime, frameIndex, class)
 * are dropped; every other value must be a finite number.
 */
import { InputError } from '../../foundation/errors';

/** Columns openSMILE adds that are not features. */
export const NON_FEATURE_COLUMNS = new Set(['name', 'frametime', 'frameindex', 'class']);

/** Parses a single-row functionals CSV. `file` names the audio in errors. */
export function parseFunctionalsCsv(text: string, file: string): { columns: string[]; values: Float32Array } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined || lines.length < 2) {
    throw new Error(`openSMILE wrote no functionals row for ${file}. Fix: check the config's sink (eGeMAPSv02 needs standard_data_output_no_lld_de.conf.inc).`);
  }
  if (lines.length > 2) {
    throw new Error(`openSMILE wrote ${lines.length - 1} functionals rows for ${file}, expected 1. Fix: use a config with utterance-level functionals (frameMode = full), and a fresh output file.`);
  }
  const names = header.split(';');
  const cells = (lines[1] as string).split(';');
  if (cells.length !== names.length) {
    throw new Error(`openSMILE functionals CSV for ${file} has ${names.length} columns in the header but ${cells.length} values. Fix: delete partial output and extract again.`);
  }
  const keep: number[] = [];
  names.forEach((n, i) => { if (!NON_FEATURE_COLUMNS.has(n.trim().replace(/^'|'$/g, '').toLowerCase())) keep.push(i); });
  const columns = keep.map((i) => names[i] as string);
  const values = new Float32Array(keep.length);
  keep.forEach((i, k) => {
    const cell = (cells[i] as string).trim();
    const v = cell === '' ? Number.NaN : Number(cell);
    if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
      throw new InputError({ file, field: names[i], reason: `feature value ${JSON.stringify(cell)} is not a finite number`, fix: 'check the audio (clipping, silence or very short audio make some functionals undefined), or drop the file' });
    }
    values[k] = v;
  });
  return { columns, values };
}
