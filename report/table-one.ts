/**
 * Table 1 of the paper, from what MLflow holds: per method x amount x classifier, WA and UAR
 * (mean ± sample std over repeats), and below it the comparisons between cells.
 *
 * The comparisons are recomputed here with compute/experiment-comparisons.ts, the code the
 * experiment ran when it logged comparisons.json on its parent run, from the same inputs
 * (results.json's per-fold UARs, config.json's declared comparisons and seed; the bootstrap is
 * seeded), so the numbers are the logged ones; recomputing also serves runs finished before
 * comparisons.json existed and lets `alpha` be chosen at report time. Holm runs over the
 * primary (declared) comparisons only; the other augmented cells against no augmentation are
 * exploratory, raw p only. Per-fold UARs are the means over repeats; folds are paired by name.
 */
import {
  COMPARISON_HEADER, compareCells, comparisonDisplayRows, comparisonsNote, describeComparisonDesign, renderComparisonsMarkdown,
  type ComparisonRequest, type ExperimentComparisons,
} from '../compute/experiment-comparisons';
import type { CellMetrics } from './experiment-record';
import type { ReportCell } from './results-schema';

export interface TableOneRow {
  cellId: string;
  method: string;
  amount: string;
  classifier: string;
  isBaseline: boolean;
  metrics: CellMetrics;
}

export interface TableOne {
  alpha: number;
  correction: 'holm';
  rows: TableOneRow[];
  comparisons: ExperimentComparisons;
}

export interface TableOneInput {
  cells: readonly ReportCell[];
  metrics: Readonly<Record<string, CellMetrics>>;
  foldUar: Readonly<Record<string, Record<string, number>>>;
  /** The config's declared comparisons; absent: every augmented cell vs none (not pre-declared). */
  comparisons?: readonly ComparisonRequest[] | undefined;
  /** The experiment's base seed (protocol.seed): the bootstrap's seeds derive from it. */
  seed: number;
  /** Significance level of the Holm-adjusted p. Default 0.05. */
  alpha?: number;
}

export function buildTableOne(input: TableOneInput): TableOne {
  const alpha = input.alpha ?? 0.05;
  const present = input.cells.filter((c) => input.metrics[c.id] !== undefined);
  const isBaseline = (c: ReportCell) => c.augmentation.method === 'none';
  // Baselines first, then the config's order of methods and amounts.
  const ordered = [...present.filter(isBaseline), ...present.filter((c) => !isBaseline(c))];
  const rows = ordered.map((cell): TableOneRow => ({
    cellId: cell.id, method: cell.method, amount: cell.amount, classifier: cell.classifier, isBaseline: isBaseline(cell), metrics: input.metrics[cell.id] as CellMetrics,
  }));
  const comparisons = compareCells({ cells: input.cells, foldUar: input.foldUar, requests: input.comparisons, seed: input.seed, alpha });
  return { alpha, correction: 'holm', rows, comparisons };
}

const pct = (v: number): string => (100 * v).toFixed(2);
const meanStd = (mean: number, std: number | null): string => `${pct(mean)} ± ${std === null ? '-' : pct(std)}`;

/** The table's cells as text, shared by the Markdown and HTML renderings. */
function displayRows(table: TableOne): string[][] {
  return table.rows.map((r) => [
    r.isBaseline ? `${r.method} (baseline)` : r.method,
    r.amount,
    r.classifier.toUpperCase(),
    meanStd(r.metrics.waMean, r.metrics.waStd),
    meanStd(r.metrics.uarMean, r.metrics.uarStd),
  ]);
}

const HEADER = ['method', 'amount', 'classifier', 'WA % (mean ± std)', 'UAR % (mean ± std)'];

export function tableOneNote(): string {
  return 'WA and UAR: mean ± sample standard deviation over repeats, each repeat pooled over folds. The comparisons between cells follow the table.';
}

/** Table 1, then the comparisons (design sentence, primary and exploratory rows, how they are computed). */
export function tableOneMarkdown(table: TableOne): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const cells of displayRows(table)) lines.push(`| ${cells.map(escape).join(' | ')} |`);
  return `${lines.join('\n')}\n\n${tableOneNote()}\n\n## Comparisons\n\n${renderComparisonsMarkdown(table.comparisons)}`;
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const num = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '' : String(v));

/** Machine-readable Table 1: fractions (not percent) at full precision, empty where not applicable. */
export function tableOneCsv(table: TableOne): string {
  const header = ['cell', 'method', 'amount', 'classifier', 'baseline', 'wa_mean', 'wa_std', 'uar_mean', 'uar_std'];
  const lines = [header.join(',')];
  for (const r of table.rows) {
    lines.push([
      r.cellId, r.method, r.amount, r.classifier, String(r.isBaseline),
      num(r.metrics.waMean), num(r.metrics.waStd), num(r.metrics.uarMean), num(r.metrics.uarStd),
    ].map(quote).join(','));
  }
  return lines.join('\n') + '\n';
}

/** Machine-readable comparisons: one line each, fractions; p_holm and significant empty for exploratory ones. */
export function comparisonsCsv(table: TableOne): string {
  const header = ['id', 'role', 'a', 'b', 'classifier', 'amount', 'cell_a', 'cell_b', 'folds', 'zeros', 'delta_median', 'ci_low', 'ci_high', 'delta_mean', 'w_plus', 'w_minus', 'rank_biserial', 'p_raw', 'p_holm', 'significant'];
  const lines = [header.join(',')];
  for (const c of table.comparisons.comparisons) {
    lines.push([
      c.id, c.role, c.a, c.b, c.classifier, c.amount ?? '', c.cellA, c.cellB, num(c.folds), num(c.zeros),
      num(c.deltaMedian), num(c.ci.low), num(c.ci.high), num(c.deltaMean), num(c.wPlus), num(c.wMinus), num(c.rankBiserial),
      num(c.pRaw), num(c.pHolm), c.significant === null ? '' : String(c.significant),
    ].map(quote).join(','));
  }
  return lines.join('\n') + '\n';
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function tableOneHtml(table: TableOne): string {
  const head = `<tr>${HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = displayRows(table).map((cells, i) => {
    const row = table.rows[i] as TableOneRow;
    return `<tr${row.isBaseline ? ' class="baseline"' : ''}>${cells.map((c, j) => `<td${j >= 3 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table class="table-one">\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>\n<p class="note">${escapeHtml(tableOneNote())}</p>\n`;
}

/**
 * The comparisons as HTML: the design sentence above, primary rows (Holm family) then
 * exploratory rows under their own headings, significant primary rows highlighted.
 */
export function comparisonsHtml(table: TableOne): string {
  const result = table.comparisons;
  const rows = comparisonDisplayRows(result);
  const width = COMPARISON_HEADER.length;
  const group = (role: 'primary' | 'exploratory', title: string) => {
    const members = result.comparisons.map((c, i) => ({ c, cells: rows[i] as string[] })).filter(({ c }) => c.role === role);
    if (members.length === 0) return [];
    return [
      `<tr class="group"><th colspan="${width}">${escapeHtml(title)}</th></tr>`,
      ...members.map(({ c, cells }) => `<tr class="${role}${c.significant ? ' significant' : ''}">${cells.map((v, j) => `<td${j >= 5 ? ' class="num"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`),
    ];
  };
  const body = [
    ...group('primary', result.preDeclared
      ? `Primary: declared in the config; Holm over these ${result.primaryCount}`
      : `Primary by default (not pre-declared): every augmented cell vs no augmentation; Holm over these ${result.primaryCount}`),
    ...group('exploratory', 'Exploratory: every other augmented cell vs no augmentation; raw p only, no adjusted p, no claim of significance'),
  ];
  const head = `<tr>${COMPARISON_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const skipped = result.skipped.length > 0 ? `<p class="note">Not computed: ${escapeHtml(result.skipped.map((s) => `${s.id} (${s.role}: ${s.reason})`).join('; '))}.</p>\n` : '';
  return `<p class="design">${escapeHtml(describeComparisonDesign(result))}</p>\n<table class="comparisons">\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>\n<p class="note">${escapeHtml(comparisonsNote(result))}</p>\n${skipped}`;
}
