/**
 * Text widths from the font file that renders the PNG, for vega's layout. Without a canvas, vega
 * estimates every string as 0.8 em per character, about 40 % too wide for DejaVu Sans: facet
 * panels then sit far apart and labels are truncated early. vega lets a caller replace its width
 * function (textMetrics.width, as vl-convert does); this one reads the advance widths of the
 * font's horizontal metrics (TrueType 'cmap' format 4 and 'hmtx' tables).
 */
import { readFileSync } from 'node:fs';

export interface FontMetrics {
  /** Width in px of `text` at `fontSize` px. `bold` widens by 8 % (for a regular face standing in for a missing bold one). */
  width(text: string, fontSize: number, bold?: boolean): number;
}

export function loadFontMetrics(file: string): FontMetrics {
  const font = readFileSync(file);
  const tables = new Map<string, number>();
  const numTables = font.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const at = 12 + 16 * i;
    tables.set(font.toString('latin1', at, at + 4), font.readUInt32BE(at + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`${file}: no '${tag}' table (not a TrueType font?)`);
    return offset;
  };
  const unitsPerEm = font.readUInt16BE(table('head') + 18);
  const numberOfHMetrics = font.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advance = (glyph: number): number => font.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const glyphOf = cmapFormat4(font, table('cmap'));
  const cache = new Map<number, number>();
  const fallback = advance(glyphOf(0x6e /* n */) ?? 0);
  const charWidth = (code: number): number => {
    let w = cache.get(code);
    if (w === undefined) {
      const glyph = glyphOf(code);
      w = glyph === undefined || glyph === 0 ? fallback : advance(glyph);
      cache.set(code, w);
    }
    return w;
  };
  return {
    width(text: string, fontSize: number, bold = false): number {
      let units = 0;
      for (const ch of text) units += charWidth(ch.codePointAt(0) ?? 0);
      return (units / unitsPerEm) * fontSize * (bold ? 1.08 : 1);
    },
  };
}

/** Character code -> glyph index, from the Unicode BMP subtable (platform 3 encoding 1, or platform 0). */
function cmapFormat4(font: Buffer, cmap: number): (code: number) => number | undefined {
  const count = font.readUInt16BE(cmap + 2);
  let subtable: number | undefined;
  for (let i = 0; i < count; i++) {
    const at = cmap + 4 + 8 * i;
    const platform = font.readUInt16BE(at);
    const encoding = font.readUInt16BE(at + 2);
    const offset = cmap + font.readUInt32BE(at + 4);
    if (font.readUInt16BE(offset) === 4 && ((platform === 3 && encoding === 1) || platform === 0)) {
      subtable = offset;
      break;
    }
  }
  if (subtable === undefined) return () => undefined;
  const s = subtable;
  const segX2 = font.readUInt16BE(s + 6);
  const ends = s + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  return (code: number) => {
    if (code > 0xffff) return undefined;
    for (let seg = 0; seg < segX2; seg += 2) {
      if (code > font.readUInt16BE(ends + seg)) continue;
      const start = font.readUInt16BE(starts + seg);
      if (code < start) return undefined;
      const delta = font.readUInt16BE(deltas + seg);
      const rangeOffset = font.readUInt16BE(rangeOffsets + seg);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + seg + rangeOffset + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return undefined;
  };
}
