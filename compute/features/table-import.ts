/**
 * Precomputed feature tables: openSMILE CSV (`;` or `,` separated, with a `name` column) and
 * ARFF (numeric attributes, a string `name` attribute, a nominal or string class attribute,
 * quoted names). Every value must be a finite number: a NaN, an infinity or a missing value is
 * an InputError naming the file, the line and the column, since it would poison normalisation.
 *
 * Rows are named by the `name` column. With a corpus, rows are matched to its entries (by the
 * corpus-relative file, the file name, or the file name without extension), take their label and
 * speaker from it and come out in corpus order; table rows the corpus does not list are left out
 * (a corpus may be a label subset), and a corpus file without a row is an error. Without a
 * corpus, labels come from the class column and speakers from `speakerColumn` (else empty).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { CorpusEntry } from '../corpus/corpus-entry';
import { DelimitedSyntaxError, parseDelimited, type DelimitedRecord } from '../corpus/delimited-text';
import { InputError } from '../../foundation/errors';
import { assembleFeatureMatrix, type FeatureRow } from './feature-rows';
import type { FeatureMatrix } from './feature-matrix';

export interface TableImportOptions {
  /** Entries to match rows to; their label and speaker win over the table's. */
  corpus?: readonly CorpusEntry[];
  /** Column holding the class label. Default "class" when present. */
  labelColumn?: string;
  /** Column holding the speaker id (not a feature). Default none. */
  speakerColumn?: string;
}

/** Bookkeeping columns that are never features. */
const DROPPED = new Set(['frametime', 'frameindex']);

/** Reads a table, choosing the format by extension: `.arff`, otherwise CSV. */
export async function importFeatureTable(path: string, options: TableImportOptions = {}): Promise<FeatureMatrix> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError({ file: path, reason: 'feature table does not exist', fix: 'check the path' });
    throw err;
  }
  return extname(path).toLowerCase() === '.arff' ? parseArffTable(text, path, options) : parseCsvTable(text, path, options);
}

/** A parsed table before rows are matched: the column roles and the records. */
interface RawTable {
  header: string[];
  records: DelimitedRecord[];
}

/** Parses an openSMILE-style CSV table; the delimiter (`;` or `,`) is taken from the header. */
export function parseCsvTable(text: string, file: string, options: TableImportOptions = {}): FeatureMatrix {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = count(firstLine, ';') >= count(firstLine, ',') && firstLine.includes(';') ? ';' : ',';
  let records: DelimitedRecord[];
  try {
    records = parseDelimited(text, { delimiter, quotes: `"'` });
  } catch (err) {
    if (err instanceof DelimitedSyntaxError) throw new InputError({ file: `${file}:${err.line}`, reason: err.message.replace(/^line \d+: /, ''), fix: 'fix the quoting on that line' });
    throw err;
  }
  const header = records[0];
  if (!header) throw new InputError({ file, reason: 'feature table is empty', fix: 'give a table with a header row and one row per utterance' });
  return buildMatrix({ header: header.fields, records: records.slice(1) }, file, options);
}

/** Parses an ARFF table (dense format). */
export function parseArffTable(text: string, file: string, options: TableImportOptions = {}): FeatureMatrix {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const header: string[] = [];
  const nominal = new Map<string, Set<string>>();
  let dataLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('%')) continue;
    const lower = line.toLowerCase();
    if (lower.startsWith('@relation')) continue;
    if (lower.startsWith('@attribute')) {
      const { name, type } = splitAttribute(line.slice('@attribute'.length), file, i + 1);
      const t = type.toLowerCase();
      if (t.startsWith('{')) {
        nominal.set(name, new Set(parseDelimited(type.trim().replace(/^\{|\}$/g, ''), { quotes: `'"`, backslashEscapes: true })[0]?.fields ?? []));
      } else if (!/^(numeric|real|integer|string)$/.test(t)) {
        throw new InputError({ file: `${file}:${i + 1}`, field: name, reason: `attribute type ${type} is not supported (numeric, string and nominal are)`, fix: 'remove the attribute or convert it to numeric' });
      }
      header.push(name);
      continue;
    }
    if (lower.startsWith('@data')) { dataLine = i + 1; break; }
    throw new InputError({ file: `${file}:${i + 1}`, reason: `unexpected line before @data: ${JSON.stringify(line.slice(0, 60))}`, fix: 'check that the file is ARFF' });
  }
  if (dataLine < 0) throw new InputError({ file, reason: 'no @data section', fix: 'check that the file is a complete ARFF file' });
  // Comment lines in the data section are blanked (not removed) so line numbers stay right.
  const body = lines.slice(dataLine).map((l) => (l.trimStart().startsWith('%') ? '' : l)).join('\n');
  if (/^\s*\{/m.test(body)) throw new InputError({ file, reason: 'sparse ARFF rows are not supported', fix: 'write the table in dense ARFF or CSV' });
  let records: DelimitedRecord[];
  try {
    records = parseDelimited(body, { quotes: `'"`, backslashEscapes: true });
  } catch (err) {
    if (err instanceof DelimitedSyntaxError) throw new InputError({ file: `${file}:${err.line + dataLine}`, reason: err.message.replace(/^line \d+: /, ''), fix: 'fix the quoting on that line' });
    throw err;
  }
  for (const r of records) r.line += dataLine;
  const labelColumn = options.labelColumn ?? 'class';
  const matrix = buildMatrix({ header, records }, file, options);
  const allowed = nominal.get(labelColumn);
  if (allowed && !options.corpus) {
    const bad = matrix.meta.find((m) => m.label !== '' && !allowed.has(m.label));
    if (bad) throw new InputError({ file, field: labelColumn, reason: `row ${bad.file} has class ${JSON.stringify(bad.label)}, not among the declared values`, fix: 'add the value to the @attribute declaration or correct the row' });
  }
  return matrix;
}

function buildMatrix(table: RawTable, file: string, options: TableImportOptions): FeatureMatrix {
  const names = table.header.map((h) => h.trim());
  const lower = names.map((n) => n.toLowerCase());
  const nameCol = lower.indexOf('name');
  if (nameCol < 0) throw new InputError({ file, field: 'name', reason: 'the table has no name column', fix: 'add a column "name" holding each row\'s file name (openSMILE: -instname)' });
  const labelName = options.labelColumn ?? 'class';
  const labelCol = names.indexOf(labelName);
  if (options.labelColumn && labelCol < 0) throw new InputError({ file, field: options.labelColumn, reason: 'label column not found', fix: 'name an existing column as labelColumn' });
  const speakerCol = options.speakerColumn ? names.indexOf(options.speakerColumn) : -1;
  if (options.speakerColumn && speakerCol < 0) throw new InputError({ file, field: options.speakerColumn, reason: 'speaker column not found', fix: 'name an existing column as speakerColumn' });
  const featureCols = names.map((_, i) => i).filter((i) => i !== nameCol && i !== labelCol && i !== speakerCol && !DROPPED.has(lower[i] as string));
  if (featureCols.length === 0) throw new InputError({ file, reason: 'the table has no feature columns', fix: 'check the delimiter and header' });
  const dupColumn = featureCols.map((i) => names[i]).find((n, k, all) => all.indexOf(n) !== k);
  if (dupColumn) throw new InputError({ file, field: dupColumn, reason: 'feature column appears twice', fix: 'give each column a unique name' });

  const byName = new Map<string, FeatureRow>();
  for (const record of table.records) {
    const where = `${file}:${record.line}`;
    if (record.fields.length !== names.length) {
      throw new InputError({ file: where, reason: `row has ${record.fields.length} values, the header has ${names.length}`, fix: 'check the delimiter and quoting of that row' });
    }
    const name = (record.fields[nameCol] as string).trim();
    if (name === '') throw new InputError({ file: where, field: 'name', reason: 'empty name', fix: 'give every row the name of its file' });
    if (byName.has(name)) throw new InputError({ file: where, field: 'name', reason: `name ${JSON.stringify(name)} appears twice`, fix: 'keep one row per file (utterance-level functionals)' });
    const values = new Float32Array(featureCols.length);
    featureCols.forEach((c, k) => {
      const cell = (record.fields[c] as string).trim();
      const v = cell === '' || cell === '?' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
        throw new InputError({ file: where, field: names[c], reason: `row ${JSON.stringify(name)}: value ${JSON.stringify(cell)} is ${cell === '' || cell === '?' ? 'missing' : 'not a finite number'}`, fix: 'recompute the features for that file, or remove the row' });
      }
      values[k] = v;
    });
    // openSMILE's ARFF sink writes `?` as the class when none was given: that is no label.
    const rawLabel = labelCol >= 0 ? (record.fields[labelCol] as string).trim() : '';
    const label = rawLabel === '?' ? '' : rawLabel;
    const speaker = speakerCol >= 0 ? (record.fields[speakerCol] as string).trim() : '';
    byName.set(name, { file: name, label, speaker, values });
  }
  const columns = featureCols.map((c) => names[c] as string);
  if (!options.corpus) return assembleFeatureMatrix(columns, [...byName.values()]);

  const rows: FeatureRow[] = [];
  const missing: string[] = [];
  for (const e of options.corpus) {
    const base = basename(e.file);
    const stem = base.slice(0, base.length - extname(base).length);
    const row = byName.get(e.file) ?? byName.get(base) ?? byName.get(stem);
    if (!row) missing.push(e.file);
    else rows.push({ file: e.file, label: e.label, speaker: e.speaker, values: row.values });
  }
  if (missing.length > 0) {
    throw new InputError({ file, field: 'name', reason: `${missing.length} corpus file(s) have no row, e.g. ${missing.slice(0, 3).join(', ')}`, fix: 'name rows by file (e.g. 03a01Fa or 03a01Fa.wav), or extract the missing files' });
  }
  return assembleFeatureMatrix(columns, rows);
}

function splitAttribute(rest: string, file: string, line: number): { name: string; type: string } {
  const s = rest.trim();
  const q = s[0];
  if (q === "'" || q === '"') {
    let name = '';
    let i = 1;
    for (; i < s.length && s[i] !== q; i++) {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      name += s[i];
    }
    if (i >= s.length) throw new InputError({ file: `${file}:${line}`, reason: 'attribute name quote is never closed', fix: 'close the quote' });
    return { name, type: s.slice(i + 1).trim() };
  }
  const m = /^(\S+)\s+(.+)$/.exec(s);
  if (!m) throw new InputError({ file: `${file}:${line}`, reason: 'attribute line needs a name and a type', fix: 'write @attribute <name> <type>' });
  return { name: m[1] as string, type: (m[2] as string).trim() };
}

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}
