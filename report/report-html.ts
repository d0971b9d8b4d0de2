/**
 * The one self-contained HTML page of a report: per experiment its facts, the protocol, Table 1,
 * the comparisons (primary and exploratory), the chosen hyperparameters when model selection
 * ran, and every figure, SVGs inline (no external file, script or font), each with its caption.
 */
import { escapeHtml } from './table-one';

export interface HtmlFigure {
  title: string;
  svg: string;
  caption: string;
}

export interface HtmlSection {
  heading: string;
  /** Facts about the experiment: run id, dataset, folds... */
  facts: [string, string][];
  /** The protocol paragraph (a list of what was done how); '' for none. */
  protocolHtml?: string;
  tableHtml: string;
  /** The heading above tableHtml; none when the table brings its own (or there is no table). */
  tableHeading?: string;
  /** The comparisons between cells: design sentence, table, note. */
  comparisonsHtml?: string;
  /** Chosen hyperparameters per fold; '' when no cell selected anything (then no heading either). */
  selectionHtml?: string;
  figures: HtmlFigure[];
  /** Expected adjustments to what the config asked (a GAN batch lowered to the smallest class): a list under its heading when there are any. */
  adjustments?: string[];
  notes: string[];
}

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.35em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; } h3 { font-size: 1.1em; }
table { border-collapse: collapse; font-size: .9em; } th, td { border: 1px solid #ccc; padding: .25em .6em; } th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } tr.baseline td { background: #f7f7f7; font-weight: bold; } tr.significant td { background: #eaf5ea; }
tr.group th { text-align: left; background: #e8eef7; } tr.exploratory td { color: #555; } p.design { max-width: 1100px; } ul.protocol { font-size: .9em; max-width: 1100px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; font-size: .9em; } dl.facts dt { color: #555; } dl.facts dd { margin: 0; font-family: monospace; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; } figcaption { font-size: .9em; color: #333; max-width: 1100px; }
p.note { font-size: .85em; color: #444; max-width: 1100px; }
`;

/** `generator`: the command named in the page's first line. */
export function renderReportHtml(title: string, sections: readonly HtmlSection[], generatedAt: string, generator = 'serflow report'): string {
  let figureNumber = 0;
  const body = sections.map((s) => {
    const facts = s.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
    const figures = s.figures.map((f) => `<figure>\n<h3>${escapeHtml(f.title)}</h3>\n${uniqueIds(f.svg, `fig${++figureNumber}-`)}\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n</figure>`).join('\n');
    const notes = s.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
    const protocol = s.protocolHtml ? `<h3>Protocol</h3>\n${s.protocolHtml}` : '';
    const comparisons = s.comparisonsHtml ? `<h3>Comparisons</h3>\n${s.comparisonsHtml}` : '';
    const selection = s.selectionHtml ? `<h3>Chosen hyperparameters per fold</h3>\n${s.selectionHtml}` : '';
    const table = s.tableHeading && s.tableHtml ? `<h3>${escapeHtml(s.tableHeading)}</h3>\n${s.tableHtml}` : s.tableHtml;
    const adjustments = s.adjustments?.length ? `<h3>Adjusted as expected</h3>\n<ul class="protocol">${s.adjustments.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>\n` : '';
    // Every part is left out when empty: a report has no heading without content.
    return `<section>\n<h2>${escapeHtml(s.heading)}</h2>\n<dl class="facts">${facts}</dl>\n${protocol}${table}\n${comparisons}${selection}${adjustments}${figures}\n${notes}\n</section>`;
  });
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n<p class="note">Generated ${escapeHtml(generatedAt)} by ${escapeHtml(generator)} from MLflow.</p>\n${body.join('\n')}\n</body>\n</html>\n`;
}

/**
 * Every vega SVG numbers its definitions from 0 (gradient_0, ...): inline in one page, the second
 * figure's url(#gradient_0) would point at the first figure's gradient. Each figure gets a prefix.
 */
function uniqueIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}
