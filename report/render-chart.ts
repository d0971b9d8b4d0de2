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
import { InputError } from '../compute/errors';

export const CHART_FONT = 'DejaVu Sans';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Verdana.ttf',
];

export function chartFontFiles(): string[] {
  const fromEnv = process.env.SERFLOW_REPORT_FONT;
  const candidates = fromEnv ? [fromEnv] : FONT_CANDIDATES;
  const found = candidates.filter((f) => existsSync(f));
  if (found.length === 0) {
    throw new InputError({
      field: 'report font',
      reason: `no font file for PNG text (looked for ${candidates.join(', ')})`,
      fix: 'install Debian package fonts-dejavu-core, or set SERFLOW_REPORT_FONT to a .ttf file',
    });
  }
  return found.slice(0, 1);
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
  png: Buffer;
  /** PNG size in pixels (the SVG's size times `scale`). */
  width: number;
  height: number;
}

/** Renders a Vega-Lite spec. `scale` multiplies the SVG's size for the PNG (default 2, for sharp text). */
export async function renderChart(spec: ChartSpec, options: { scale?: number } = {}): Promise<RenderedChart> {
  // vega and vega-lite are ES modules; a dynamic import loads them from this CommonJS code.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles: chartFontFiles(), defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
      fitTo: { mode: 'zoom', value: options.scale ?? 2 },
      background: 'white',
    });
    const image = resvg.render();
    return { svg, png: image.asPng(), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}
