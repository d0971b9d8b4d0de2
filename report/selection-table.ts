/**
 * The hyperparameters model selection chose inside each outer fold, per cell: a reader checks
 * that the choice is stable across folds (or sees that it is not) and what validation UAR the
 * chosen values reached on the training speakers. From results.json's evaluations (`selection`,
 * written by finishExperiment from the evaluations); cells without selection get no table, and an
 * experiment without any gets nothing at all.
 *
 * One row per fold when every repeat of the fold chose the same values (validation UAR: mean over
 * the repeats), else one row per repeat, so that the table stays short in the usual case and hides
 * nothing in the other.
 */
import type { ReportCell, ResultsJson } from './results-schema';
import { escapeHtml } from './table-one';

export interface SelectionRow {
  fold: string;
  /** null: every repeat of the fold chose these values. */
  repeat: number | null;
  chosen: Record<string, number>;
  /** Validation score of the chosen values (mean over repeats when repeat is null); fraction. */
  validationScore: number;
}

export interface CellSelection {
  cellId: string;
  method: string;
  amount: string;
  classifier: string;
  metric: string;
  /** The hyperparameters chosen, sorted. */
  params: string[];
  rows: SelectionRow[];
  /** Mean over the cell's evaluations with a selection of the chosen values' validation score. */
  meanValidationScore: number;
  evaluations: number;
  /** Evaluations of the cell without a selection record (e.g. from before selection existed). */
  withoutSelection: number;
}

type Evaluation = ResultsJson['evaluations'][number];

const sameChoice = (a: Record<string, number>, b: Record<string, number>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

export function buildSelectionTables(cells: readonly ReportCell[], evaluations: readonly Evaluation[]): CellSelection[] {
  const tables: CellSelection[] = [];
  for (const cell of cells) {
    const mine = evaluations.filter((e) => e.cellId === cell.id);
    const selected = mine.filter((e): e is Evaluation & { selection: NonNullable<Evaluation['selection']> } => e.selection !== undefined);
    if (selected.length === 0) continue;
    const folds = [...new Set(selected.map((e) => e.fold))];
    const rows: SelectionRow[] = [];
    for (const fold of folds) {
      const repeats = selected.filter((e) => e.fold === fold).sort((a, b) => a.repeat - b.repeat);
      const first = (repeats[0] as (typeof repeats)[number]).selection;
      if (repeats.every((e) => sameChoice(e.selection.chosen, first.chosen))) {
        rows.push({ fold, repeat: null, chosen: first.chosen, validationScore: repeats.reduce((s, e) => s + e.selection.validationScore, 0) / repeats.length });
      } else {
        for (const e of repeats) rows.push({ fold, repeat: e.repeat, chosen: e.selection.chosen, validationScore: e.selection.validationScore });
      }
    }
    tables.push({
      cellId: cell.id, method: cell.method, amount: cell.amount, classifier: cell.classifier,
      metric: (selected[0] as (typeof selected)[number]).selection.metric,
      params: [...new Set(selected.flatMap((e) => Object.keys(e.selection.chosen)))].sort(),
      rows,
      meanValidationScore: selected.reduce((s, e) => s + e.selection.validationScore, 0) / selected.length,
      evaluations: selected.length,
      withoutSelection: mine.length - selected.length,
    });
  }
  return tables;
}

/** A hyperparameter value as a person writes it: 1e-4, 0.01, 200. */
export function formatHyperparameter(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function title(t: CellSelection): string {
  return `${t.method}${t.amount === '-' ? '' : ` / ${t.amount}`} / ${t.classifier.toUpperCase()}`;
}

function caption(t: CellSelection): string {
  const missing = t.withoutSelection > 0 ? `; ${t.withoutSelection} evaluation(s) without a selection record` : '';
  return `mean validation ${t.metric.toUpperCase()} of the chosen values ${(100 * t.meanValidationScore).toFixed(2)} % over ${t.evaluations} evaluation(s)${missing}`;
}

function header(t: CellSelection): string[] {
  return ['fold', 'repeat', ...t.params, `validation ${t.metric.toUpperCase()} %`];
}

function cells(t: CellSelection, r: SelectionRow): string[] {
  return [r.fold, r.repeat === null ? 'all' : String(r.repeat), ...t.params.map((p) => (r.chosen[p] === undefined ? '' : formatHyperparameter(r.chosen[p] as number))), (100 * r.validationScore).toFixed(2)];
}

const NOTE = 'Chosen inside each outer fold on its training speakers only; repeat "all": every repeat of the fold chose the same values (validation score: their mean).';

/** Markdown: a heading line and a table per cell; '' when no cell selected anything. */
export function selectionMarkdown(tables: readonly CellSelection[]): string {
  if (tables.length === 0) return '';
  const parts = tables.map((t) => {
    const h = header(t);
    const lines = [`**${title(t)}** (${caption(t)})`, '', `| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${cells(t, r).join(' | ')} |`)];
    return lines.join('\n');
  });
  return `## Chosen hyperparameters per fold\n\n${NOTE}\n\n${parts.join('\n\n')}\n`;
}

/** HTML: a small table per cell; '' when no cell selected anything. */
export function selectionHtml(tables: readonly CellSelection[]): string {
  if (tables.length === 0) return '';
  const parts = tables.map((t) => {
    const head = `<tr>${header(t).map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
    const body = t.rows.map((r) => `<tr>${cells(t, r).map((c, j) => `<td${j >= 2 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
    return `<h4>${escapeHtml(title(t))}</h4>\n<p class="note">${escapeHtml(caption(t))}</p>\n<table class="selection">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  });
  return `<p class="note">${escapeHtml(NOTE)}</p>\n${parts.join('\n')}\n`;
}
