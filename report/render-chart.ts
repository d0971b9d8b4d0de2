/**
 * Vega-Lite spec -> SVG (vega's own SVG renderer, no canvas needed in Node) -> PNG (resvg, a
 * Rust renderer shipped as a prebuilt npm binary). resvg draws text only with a font it is
 * given: we load DejaVu Sans from the usual system locations (Debian: fonts-dejavu-core) and tell
 * vega to name that font, so the SVG and the PNG agree. Without it the PNG would lose its text,
 * so a missing font is an error naming the package, not a silent blank label.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type { ChartSpec } from './chart-spec';
import { InputError } from '../foundation/errors';
import { loadFontMetrics, type FontMetrics } from './font-metrics';

export const CHART_FONT = 'DejaVu Sans';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Verdana.ttf',
];

/** The regular font file first (text layout uses it), then its bold face when it is beside it (vega draws titles bold). */
export function chartFontFiles(): string[] {
  const fromEnv = process.env.SERFLOW_REPORT_FONT;
  const candidates = fromEnv ? [fromEnv] : FONT_CANDIDATES;
  const regular = candidates.find((f) => existsSync(f));
  if (regular === undefined) {
    throw new InputError({
      field: 'report font',
      reason: `no font file for PNG text (looked for ${candidates.join(', ')})`,
      fix: 'install Debian package fonts-dejavu-core, or set SERFLOW_REPORT_FONT to a .ttf file',
    });
  }
  const bold = regular.replace(/\.ttf$/i, '-Bold.ttf');
  return bold !== regular && existsSync(bold) ? [regular, bold] : [regular];
}

/** Vega config shared by every chart: one font, readable sizes. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: 'white',
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 12, subtitleColor: '#444' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
} as const;

export interface RenderedChart {
  svg: string;
  /** Vega-Lite's compile warnings (e.g. a channel it cannot honour), for the caller to log. */
  warnings: string[];
  png: Buffer;
  /** PNG size in pixels (the SVG's size times `scale`). */
  width: number;
  height: number;
}

/** Renders a Vega-Lite spec. `scale` multiplies the SVG's size for the PNG (default 2, for sharp text). */
export async function renderChart(spec: ChartSpec, options: { scale?: number } = {}): Promise<RenderedChart> {
  // vega and vega-lite are ES modules; a dynamic import loads them from this CommonJS code.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const fontFiles = chartFontFiles();
  useFontForLayout((vega as unknown as { textMetrics: TextMetrics }).textMetrics, fontFiles);
  const warnings: string[] = [];
  const compiled = vegaLite.compile(spec, { logger: collectingLogger(warnings) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
      fitTo: { mode: 'zoom', value: options.scale ?? 2 },
      background: 'white',
    });
    const image = resvg.render();
    return { svg, warnings, png: image.asPng(), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}

/**
 * Vega's logger interface, collecting warnings and errors instead of printing them to the console.
 * Vega-Lite's note that its dataflow optimiser stopped after 5 passes says nothing about the
 * chart (the compiled spec is complete either way), so it is left out.
 */
function collectingLogger(into: string[]) {
  let level = 2;
  const keep = (args: unknown[]) => {
    const message = args.map(String).join(' ');
    if (!/^Maximum optimization runs/.test(message)) into.push(message);
  };
  const logger = {
    level(value?: number) {
      if (value === undefined) return level as never;
      level = value;
      return logger as never;
    },
    error(...args: unknown[]) {
      keep(args);
      return logger as never;
    },
    warn(...args: unknown[]) {
      keep(args);
      return logger as never;
    },
    info: () => logger as never,
    debug: () => logger as never,
  };
  return logger;
}

interface TextItem {
  text?: unknown;
  fontSize?: number | string;
  fontWeight?: number | string;
}

interface TextMetrics {
  width: (item: TextItem, text?: unknown) => number;
}

let layoutFont: { key: string; regular: FontMetrics; bold: FontMetrics | undefined } | undefined;

/** Makes vega lay text out with the widths of the fonts the PNG is drawn with (see font-metrics.ts). */
function useFontForLayout(textMetrics: TextMetrics, files: readonly string[]): void {
  const key = files.join('|');
  if (layoutFont?.key !== key) {
    layoutFont = { key, regular: loadFontMetrics(files[0] as string), bold: files[1] === undefined ? undefined : loadFontMetrics(files[1]) };
  }
  const { regular, bold } = layoutFont;
  textMetrics.width = (item: TextItem, text?: unknown): number => {
    const value = text ?? item.text;
    const lines = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];
    const size = item.fontSize !== undefined ? Number(item.fontSize) || 0 : 11;
    const isBold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    const width = (line: string) => (isBold && bold ? bold.width(line, size) : regular.width(line, size, isBold));
    return lines.reduce((w, line) => Math.max(w, width(line.trim())), 0);
  };
}
