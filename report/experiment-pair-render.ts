/**
 * `serflow compare`'s two experiments as text: Markdown (what the command prints, and
 * compare.md) and the HTML parts of the report's page (report-html.ts): who A and B are, what
 * differs between their configs and commits, the cells side by side, and the paired table or
 * the plain statement of why there is none.
 */
import { classifierLabel } from './chart-spec';
import { formatP } from '../compute/experiment-comparisons';
import { formatConfigValue } from './config-difference';
import type { ExperimentPair, PairRow, PairSide } from './experiment-pair';
import type { HtmlSection } from './report-html';
import { escapeHtml } from './table-one';

const pct = (v: number): string => (100 * v).toFixed(2);
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${pct(v)}`;
const meanStd = (mean: number, std: number | null): string => `${pct(mean)} ± ${std === null ? '-' : pct(std)}`;
const sigDigits = (p: number): string => (p < 0.01 ? p.toPrecision(3) : p.toFixed(3));

/** `tiny-2, run 0123…, workflow …, sweep s trial 3, commit abc1234`. */
export function describeSide(s: PairSide): string {
  const parts = [s.name, `run ${s.runId}`];
  if (s.workflowId) parts.push(`workflow ${s.workflowId}`);
  if (s.sweep) parts.push(`sweep ${s.sweep.id}${s.sweep.trial !== undefined ? ` trial ${s.sweep.trial}` : ''}`);
  return parts.join(', ');
}

/** The serflow commits the two ran, in a line. */
export function describeCommits(pair: ExperimentPair): string {
  const c = (s: PairSide) => (s.gitCommit && s.gitCommit !== 'unknown' ? s.gitCommit.slice(0, 12) : 'not recorded');
  if (pair.sameCommit === true) return `both ran serflow commit ${c(pair.a)}`;
  if (pair.sameCommit === false) return `different serflow commits: A ${c(pair.a)}, B ${c(pair.b)}`;
  return `serflow commits: A ${c(pair.a)}, B ${c(pair.b)}`;
}

export const CELL_HEADER = ['method', 'amount', 'classifier', 'WA % A', 'WA % B', 'Δ WA (pp)', 'UAR % A', 'UAR % B', 'Δ UAR (pp)'];
export const PAIRED_HEADER = ['method', 'amount', 'classifier', 'n', 'Δ median (pp)', '95 % CI (pp)', 'Δ mean (pp)', 'p', 'p (Holm)', 'significant'];

function cellCells(r: PairRow): string[] {
  const m = (x: PairRow['a'], pick: 'wa' | 'uar') => (x ? (pick === 'wa' ? meanStd(x.waMean, x.waStd) : meanStd(x.uarMean, x.uarStd)) : '—');
  return [
    r.isBaseline ? `${r.method} (baseline)` : r.method, r.amount, classifierLabel(r.classifier),
    m(r.a, 'wa'), m(r.b, 'wa'), r.delta ? signed(r.delta.wa) : '—',
    m(r.a, 'uar'), m(r.b, 'uar'), r.delta ? signed(r.delta.uar) : '—',
  ];
}

function pairedCells(r: PairRow): string[] {
  const p = r.paired;
  if (!p) return [];
  return [
    r.method, r.amount, classifierLabel(r.classifier), String(p.folds),
    signed(p.deltaMedian), `[${signed(p.ci.low)}, ${signed(p.ci.high)}]`, signed(p.deltaMean),
    formatP(p.pRaw), formatP(p.pHolm), p.significant ? 'yes' : 'no',
  ];
}

export function cellsNote(pair: ExperimentPair): string {
  const only = [
    pair.onlyIn.a.length > 0 ? `Only A ran ${pair.onlyIn.a.join(', ')}.` : '',
    pair.onlyIn.b.length > 0 ? `Only B ran ${pair.onlyIn.b.join(', ')}.` : '',
  ].filter(Boolean).join(' ');
  return 'WA and UAR: mean ± sample standard deviation over repeats, each repeat pooled over folds (Table 1 of each experiment). ' +
    `Δ = B − A of the means, in percentage points.${only ? ` ${only}` : ''}`;
}

/** The sentence above the paired table, or the one that says why there is none. */
export function pairedDesignText(pair: ExperimentPair): string {
  if (!pair.folds.matched) {
    return `Folds do not match, so per-fold paired statistics are omitted: ${pair.folds.reasons.join('; ')}. ` +
      'The Δ columns above are differences of means, with no interval and no test.';
  }
  const d = pair.paired;
  if (!d) return 'The folds match, but no cell ran in both experiments: nothing to pair.';
  const n = d.folds.length;
  const product = d.family * d.smallestP > 1 ? `min(1, ${d.family} x ${sigDigits(d.smallestP)}) = 1` : `${d.family} x ${sigDigits(d.smallestP)} = ${sigDigits(d.smallestPHolm)}`;
  const verdict = d.smallestPHolm >= d.alpha ? ` At alpha = ${d.alpha} no cell can be significant after Holm, whatever the data.` : '';
  const heldOut = d.heldOut.length > 0 ? `speaker(s) ${d.heldOut.join(', ')} held out of both` : 'no speaker held out of either';
  return `Both ran the same ${n} outer fold(s) (${d.folds.join(', ')}; each fold tests the same speakers in both; ${heldOut}) with ${d.repeats} repeat(s): ` +
    `each cell's fold UARs are paired by fold. With ${n} folds the smallest two-sided p the exact Wilcoxon signed-rank test can reach is 2/2^${n} = ${sigDigits(d.smallestP)}, ` +
    `and ${product} after Holm over the ${d.family} cell(s) compared.${verdict}`;
}

export function pairedNote(pair: ExperimentPair): string {
  const d = pair.paired;
  if (!d) return '';
  return 'Δ = fold UAR of B − fold UAR of A in percentage points (fold UAR: mean over repeats), folds paired by name. ' +
    `Δ median: median over folds, with its ${Math.round(100 * d.bootstrap.level)} % percentile-bootstrap interval ` +
    `(${d.bootstrap.resamples.toLocaleString('en-US')} resamples of the folds with replacement, seeded from the two run ids and the cell). ` +
    'Δ mean: mean over folds. p: exact two-sided Wilcoxon signed-rank test over the folds (folds with equal UARs dropped; n = folds compared). ' +
    `p (Holm): adjusted over every cell compared; significant: p (Holm) < ${d.alpha}. The same computation as an experiment's own comparisons (compute/experiment-comparisons.ts).`;
}

function configLines(pair: ExperimentPair): { table: string[][]; text: string } {
  if (!pair.config.recorded) return { table: [], text: `No config recorded on ${pair.config.missing.join(' and ')} (no config.json): the configs cannot be compared.` };
  const { differences, notCompared } = pair.config;
  const left = `(${notCompared.join(', ')} not compared)`;
  if (differences.length === 0) return { table: [], text: `The recorded configs are the same ${left}.` };
  return { table: differences.map((d) => [d.path, formatConfigValue(d.a), formatConfigValue(d.b)]), text: `${differences.length} difference(s) between the recorded configs ${left}.` };
}

/** The whole comparison as Markdown. */
export function pairMarkdown(pair: ExperimentPair): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)];
  const features = pair.a.features === pair.b.features ? pair.a.features : `A ${pair.a.features}, B ${pair.b.features}`;
  const config = configLines(pair);
  const lines = [
    `# ${pair.a.name} (A) vs ${pair.b.name} (B)`, '',
    `- A: ${describeSide(pair.a)}`, `- B: ${describeSide(pair.b)}`,
    `- corpus: ${pair.corpus}; classes: ${pair.classes.join(', ')}`,
    `- features: ${features}`,
    `- ${describeCommits(pair)}`, '',
    '## What differs between the configs', '', config.text,
    ...(config.table.length > 0 ? ['', ...table(['path', 'A', 'B'], config.table)] : []), '',
    '## Cells side by side', '', ...table(CELL_HEADER, pair.rows.map(cellCells)), '', cellsNote(pair), '',
    '## Paired by fold', '', pairedDesignText(pair),
  ];
  const paired = pair.rows.filter((r) => r.paired);
  if (paired.length > 0) lines.push('', ...table(PAIRED_HEADER, paired.map(pairedCells)), '', pairedNote(pair));
  return `${lines.join('\n')}\n`;
}

/** The section of the report page: facts, then config differences, the cells and the paired table under headings of their own. */
export function pairHtmlSection(pair: ExperimentPair, figures: HtmlSection['figures']): HtmlSection {
  const htmlTable = (cls: string, header: string[], rows: string[][], numericFrom: number, rowClass: (i: number) => string = () => '') =>
    `<table class="${cls}">\n<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n` +
    rows.map((cells, i) => `<tr${rowClass(i) ? ` class="${rowClass(i)}"` : ''}>${cells.map((c, j) => `<td${j >= numericFrom ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n') +
    '\n</tbody>\n</table>\n';
  const config = configLines(pair);
  const configHtml = `<p class="design">${escapeHtml(config.text)} ${escapeHtml(describeCommits(pair))}.</p>\n` +
    (config.table.length > 0 ? htmlTable('config-differences', ['path', 'A', 'B'], config.table, 3) : '');
  const cellsHtml = htmlTable('table-one', CELL_HEADER, pair.rows.map(cellCells), 3, (i) => (pair.rows[i]?.isBaseline ? 'baseline' : '')) +
    `<p class="note">${escapeHtml(cellsNote(pair))}</p>\n`;
  const paired = pair.rows.filter((r) => r.paired);
  const pairedHtml = `<p class="design">${escapeHtml(pairedDesignText(pair))}</p>\n` + (paired.length > 0
    ? htmlTable('comparisons', PAIRED_HEADER, paired.map(pairedCells), 3, (i) => (paired[i]?.paired?.significant ? 'significant' : '')) + `<p class="note">${escapeHtml(pairedNote(pair))}</p>\n`
    : '');
  const features = pair.a.features === pair.b.features ? pair.a.features : `A ${pair.a.features}, B ${pair.b.features}`;
  return {
    heading: `${pair.a.name} (A) vs ${pair.b.name} (B)`,
    facts: [
      ['A', describeSide(pair.a)], ['B', describeSide(pair.b)],
      ['corpus', pair.corpus], ['classes', pair.classes.join(', ')], ['features', features],
      ['folds', `A ${pair.a.folds.length}, B ${pair.b.folds.length}${pair.folds.matched ? ' (the same)' : ' (do not match)'}`],
      ['repeats', `A ${pair.a.repeats}, B ${pair.b.repeats}`],
    ],
    // Headings of its own: the report page's are those of one experiment's Table 1.
    tableHtml: `<h3>What differs between the configs</h3>\n${configHtml}<h3>Cells side by side</h3>\n${cellsHtml}<h3>Paired by fold</h3>\n${pairedHtml}`,
    figures,
    notes: [],
  };
}
