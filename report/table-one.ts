/**
 * Table 1 of the paper, from what MLflow holds: per method x amount x classifier, WA and UAR
 * (mean ± sample std over repeats), and for every augmented cell a paired Wilcoxon signed-rank
 * test of its per-fold UARs against the no-augmentation cell of the same classifier.
 *
 * The family of tests is every augmented cell of the experiment; significance is decided on
 * Holm-adjusted p-values at alpha (default 0.05), and the raw p is shown too. Per-fold UARs are
 * the means over repeats (results.json summaries[cell].foldUar); folds are paired by name.
 */
import { holmAdjust } from '../compute/statistics/holm-adjustment';
import { wilcoxonSignedRank } from '../compute/statistics/wilcoxon-signed-rank';
import type { CellMetrics } from './experiment-record';
import type { ReportCell } from './results-schema';

export interface BaselineComparison {
  /** Folds present in both cells. */
  folds: number;
  /** Mean over folds of (cell UAR - baseline UAR), fraction. */
  meanFoldUarDifference: number;
  wPlus: number;
  wMinus: number;
  /** Folds with equal UARs, dropped by the test. */
  zeros: number;
  pValue: number;
  pHolm: number;
  rankBiserial: number | null;
  /** pHolm < alpha. */
  significant: boolean;
}

export interface TableOneRow {
  cellId: string;
  method: string;
  amount: string;
  classifier: string;
  isBaseline: boolean;
  metrics: CellMetrics;
  /** Absent for the baseline rows and when the classifier has no baseline cell. */
  comparison?: BaselineComparison;
}

export interface TableOne {
  alpha: number;
  correction: 'holm';
  rows: TableOneRow[];
}

export interface TableOneInput {
  cells: readonly ReportCell[];
  metrics: Readonly<Record<string, CellMetrics>>;
  foldUar: Readonly<Record<string, Record<string, number>>>;
  alpha?: number;
}

export function buildTableOne(input: TableOneInput): TableOne {
  const alpha = input.alpha ?? 0.05;
  const present = input.cells.filter((c) => input.metrics[c.id] !== undefined);
  const isBaseline = (c: ReportCell) => c.augmentation.method === 'none';
  // Baselines first, then the config's order of methods and amounts.
  const ordered = [...present.filter(isBaseline), ...present.filter((c) => !isBaseline(c))];
  const baselineOf = new Map(present.filter(isBaseline).map((c) => [c.classifier, c]));
  const rows: TableOneRow[] = [];
  const tested: { row: TableOneRow; p: number }[] = [];
  for (const cell of ordered) {
    const row: TableOneRow = { cellId: cell.id, method: cell.method, amount: cell.amount, classifier: cell.classifier, isBaseline: isBaseline(cell), metrics: input.metrics[cell.id] as CellMetrics };
    const baseline = baselineOf.get(cell.classifier);
    const mine = input.foldUar[cell.id];
    const theirs = baseline ? input.foldUar[baseline.id] : undefined;
    if (!row.isBaseline && mine && theirs) {
      const folds = Object.keys(mine).filter((f) => theirs[f] !== undefined).sort();
      if (folds.length > 0) {
        const x = folds.map((f) => mine[f] as number);
        const y = folds.map((f) => theirs[f] as number);
        const test = wilcoxonSignedRank(x, y);
        row.comparison = {
          folds: folds.length,
          meanFoldUarDifference: x.reduce((s, v, i) => s + v - (y[i] as number), 0) / folds.length,
          wPlus: test.wPlus, wMinus: test.wMinus, zeros: test.zeros, pValue: test.pValue, pHolm: Number.NaN,
          rankBiserial: test.rankBiserial, significant: false,
        };
        tested.push({ row, p: test.pValue });
      }
    }
    rows.push(row);
  }
  const adjusted = holmAdjust(tested.map((t) => t.p));
  tested.forEach(({ row }, i) => {
    const c = row.comparison as BaselineComparison;
    c.pHolm = adjusted[i] as number;
    c.significant = c.pHolm < alpha;
  });
  return { alpha, correction: 'holm', rows };
}

const pct = (v: number): string => (100 * v).toFixed(2);
const meanStd = (mean: number, std: number | null): string => `${pct(mean)} ± ${std === null ? '-' : pct(std)}`;
const pValue = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** The table's cells as text, shared by the Markdown and HTML renderings. */
function displayRows(table: TableOne): string[][] {
  return table.rows.map((r) => {
    const c = r.comparison;
    return [
      r.isBaseline ? `${r.method} (baseline)` : r.method,
      r.amount,
      r.classifier.toUpperCase(),
      meanStd(r.metrics.waMean, r.metrics.waStd),
      meanStd(r.metrics.uarMean, r.metrics.uarStd),
      c ? `${c.meanFoldUarDifference >= 0 ? '+' : ''}${pct(c.meanFoldUarDifference)}` : '',
      c ? String(c.folds - c.zeros) : '',
      c ? pValue(c.pValue) : '',
      c ? pValue(c.pHolm) : '',
      c && c.rankBiserial !== null ? c.rankBiserial.toFixed(2) : '',
      c ? (c.significant ? 'yes' : 'no') : '',
    ];
  });
}

const HEADER = ['method', 'amount', 'classifier', 'WA % (mean ± std)', 'UAR % (mean ± std)', 'Δ fold UAR (pp)', 'n', 'p', 'p (Holm)', 'r (rank-biserial)', 'significant'];

export function tableOneNote(table: TableOne): string {
  return (
    `WA and UAR: mean ± sample standard deviation over repeats, each repeat pooled over folds. ` +
    `Each augmented row is compared with the no-augmentation row of the same classifier by a two-sided Wilcoxon signed-rank test ` +
    `over the per-fold UARs (fold UAR = mean over repeats): Δ = mean over folds of the difference in percentage points; ` +
    `n = folds with a non-zero difference (folds with equal UARs are dropped, Wilcoxon's convention); ` +
    `p is exact (the permutation distribution of the signed ranks, mid-ranks for ties); ` +
    `r = matched-pairs rank-biserial correlation (W+ − W−)/(W+ + W−), positive when augmentation helps. ` +
    `Significant: Holm-adjusted p < ${table.alpha} over the ${table.rows.filter((r) => r.comparison).length} comparisons of this table. ` +
    `With n folds the smallest possible two-sided p is 2/2^n.`
  );
}

export function tableOneMarkdown(table: TableOne): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const cells of displayRows(table)) lines.push(`| ${cells.map(escape).join(' | ')} |`);
  return `${lines.join('\n')}\n\n${tableOneNote(table)}\n`;
}

/** Machine-readable: fractions (not percent) at full precision, empty where not applicable. */
export function tableOneCsv(table: TableOne): string {
  const header = ['cell', 'method', 'amount', 'classifier', 'baseline', 'wa_mean', 'wa_std', 'uar_mean', 'uar_std', 'folds', 'zeros', 'mean_fold_uar_diff', 'w_plus', 'w_minus', 'p_value', 'p_holm', 'rank_biserial', 'significant'];
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const num = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '' : String(v));
  const lines = [header.join(',')];
  for (const r of table.rows) {
    const c = r.comparison;
    lines.push([
      r.cellId, r.method, r.amount, r.classifier, String(r.isBaseline),
      num(r.metrics.waMean), num(r.metrics.waStd), num(r.metrics.uarMean), num(r.metrics.uarStd),
      num(c?.folds), num(c?.zeros), num(c?.meanFoldUarDifference), num(c?.wPlus), num(c?.wMinus), num(c?.pValue), num(c?.pHolm), num(c?.rankBiserial),
      c ? String(c.significant) : '',
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
    const cls = row.isBaseline ? ' class="baseline"' : row.comparison?.significant ? ' class="significant"' : '';
    return `<tr${cls}>${cells.map((c, j) => `<td${j >= 3 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table class="table-one">\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>\n<p class="note">${escapeHtml(tableOneNote(table))}</p>\n`;
}
