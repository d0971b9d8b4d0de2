/**
 * A small RFC 4180 style reader for delimiter-separated text (CSV manifests, openSMILE tables,
 * ARFF data lines): quoted fields may hold delimiters, doubled quotes and line breaks. Each
 * record keeps the 1-based line it starts on, so that errors can point at it.
 */
export interface DelimitedRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: string[];
  /** Which fields were quoted (a quoted empty string is a value, an unquoted one is missing). */
  quoted: boolean[];
}

export interface DelimitedOptions {
  /** Field separator. Default ','. */
  delimiter?: string;
  /** Characters that open a quoted field. Default '"'. ARFF also uses "'". */
  quotes?: string;
  /** Inside quotes, a backslash escapes the next character (ARFF). Default false (CSV doubles quotes). */
  backslashEscapes?: boolean;
}

export class DelimitedSyntaxError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`line ${line}: ${reason}`);
  }
}

/** Splits text into records; blank lines are skipped. A leading UTF-8 byte order mark is ignored. */
export function parseDelimited(text: string, options: DelimitedOptions = {}): DelimitedRecord[] {
  const delimiter = options.delimiter ?? ',';
  const quotes = options.quotes ?? '"';
  if (delimiter.length !== 1) throw new RangeError('parseDelimited: delimiter must be one character');
  const records: DelimitedRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      const q = text[i];
      if (q !== undefined && quotes.includes(q)) {
        let value = '';
        i++;
        for (;;) {
          if (i >= text.length) throw new DelimitedSyntaxError(start, `quoted field opened with ${q} is never closed`);
          const c = text[i] as string;
          if (c === q) {
            if (text[i + 1] === q) { value += q; i += 2; continue; }
            i++;
            break;
          }
          if (c === '\\' && options.backslashEscapes && i + 1 < text.length) { value += text[i + 1]; i += 2; continue; }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        // Spaces after a closing quote are tolerated; anything else is a syntax error.
        while (text[i] === ' ' || text[i] === '\t') i++;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new DelimitedSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
        }
        fields.push(value);
        quoted.push(true);
      } else {
        let j = i;
        while (j < text.length && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
        fields.push(text.slice(i, j).trim());
        quoted.push(false);
        i = j;
      }
      const c = text[i];
      if (c === delimiter) { i++; continue; }
      if (c === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      endOfRecord = true;
    }
    const blank = fields.length === 1 && fields[0] === '' && !quoted[0];
    if (!blank) records.push({ line: start, fields, quoted });
  }
  return records;
}
