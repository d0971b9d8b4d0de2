/**
 * The view across a sweep's configurations: one row per configuration with its swept values and
 * its best cell, and the metric against each swept value. Generic over a list of points
 * (swept values -> cell scores), so a grid sweep and an adaptive (Optuna) sweep render alike.
 *
 * The best cell is chosen on validation scores when every cell of every point has one (the
 * inner cross-validation of model selection, README "The protocol"), and otherwise on the test
 * UAR, which is then an optimistic pick; the table says which.
 */
import { VEGA_LITE_SCHEMA, type ChartSpec } from './chart-spec';

export interface SweepCellScore {
  cellId: string;
  /** Test scores: mean over folds and repeats. */
  uar: number;
  wa: number;
  /** Mean inner-CV validation score of what model selection chose, when every evaluation selected. */
  validation?: number | undefined;
}

export interface SweepPoint {
  name: string;
  runId: string;
  /** Swept path -> value, as text (MLflow params). */
  values: Record<string, string>;
  cells: SweepCellScore[];
}

export interface SweepTableRow {
  name: string;
  runId: string;
  values: Record<string, string>;
  best: SweepCellScore | undefined;
}

export interface SweepTable {
  paths: string[];
  rows: SweepTableRow[];
  /** What the best cell was chosen on. */
  chosenOn: 'validation' | 'test';
  points: SweepPoint[];
}

export function buildSweepTable(points: readonly SweepPoint[]): SweepTable {
  const paths = [...new Set(points.flatMap((p) => Object.keys(p.values)))].sort();
  const chosenOn = points.length > 0 && points.every((p) => p.cells.length > 0 && p.cells.every((c) => c.validation !== undefined)) ? 'validation' : 'test';
  const score = (c: SweepCellScore) => (chosenOn === 'validation' ? (c.validation as number) : c.uar);
  const rows = points.map((p) => ({
    name: p.name, runId: p.runId, values: p.values,
    best: [...p.cells].sort((a, b) => score(b) - score(a) || a.cellId.localeCompare(b.cellId))[0],
  }));
  return { paths, rows, chosenOn, points: [...points] };
}

/** Says what the best cell was chosen on, and why that matters for test-score choices. */
export function choiceNote(table: SweepTable): string {
  return table.chosenOn === 'validation'
    ? 'Best cell: the highest mean inner-CV validation score (model selection inside each training fold); UAR and WA are test scores.'
    : 'Best cell: the highest mean test UAR. Chosen on the test scores it reports, so it is optimistic: these experiments record no validation scores to choose on.';
}

const pct = (v: number) => (100 * v).toFixed(2);

export function sweepTableMarkdown(table: SweepTable): string {
  const head = ['configuration', ...table.paths, 'best cell', 'UAR %', 'WA %', ...(table.chosenOn === 'validation' ? ['validation %'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of table.rows) {
    const best = r.best
      ? [r.best.cellId, pct(r.best.uar), pct(r.best.wa), ...(table.chosenOn === 'validation' ? [pct(r.best.validation as number)] : [])]
      : ['-', '-', '-', ...(table.chosenOn === 'validation' ? ['-'] : [])];
    lines.push(`| ${[r.name, ...table.paths.map((p) => r.values[p] ?? '-'), ...best].join(' | ')} |`);
  }
  return `## Configurations of the sweep\n\n${lines.join('\n')}\n\n${choiceNote(table)}\n`;
}

export function sweepTableHtml(table: SweepTable): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const head = ['configuration', ...table.paths, 'best cell', 'UAR %', 'WA %', ...(table.chosenOn === 'validation' ? ['validation %'] : [])];
  const rows = table.rows.map((r) => {
    const best = r.best ? [r.best.cellId, pct(r.best.uar), pct(r.best.wa), ...(table.chosenOn === 'validation' ? [pct(r.best.validation as number)] : [])] : ['-', '-', '-'];
    return `<tr>${[r.name, ...table.paths.map((p) => r.values[p] ?? '-'), ...best].map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table><p>${esc(choiceNote(table))}</p>`;
}

export function sweepTableCsv(table: SweepTable): string {
  const field = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['configuration', 'run_id', ...table.paths, 'cell', 'uar', 'wa', 'validation', 'best'].map(field).join(',')];
  table.rows.forEach((r, i) => {
    for (const c of table.points[i]?.cells ?? []) {
      lines.push([r.name, r.runId, ...table.paths.map((p) => r.values[p] ?? ''), c.cellId, String(c.uar), String(c.wa), c.validation === undefined ? '' : String(c.validation), String(c.cellId === r.best?.cellId)].map(field).join(','));
    }
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Test UAR against each swept value: one panel per swept path, one line per cell, each point the
 * mean over the configurations sharing that value (the other swept values vary under it).
 */
export function sweepMetricSpec(table: SweepTable, title: string): ChartSpec {
  const values = table.points.flatMap((p) => table.paths.flatMap((path) => p.cells.map((c) => ({
    path, value: p.values[path] ?? '', number: Number(p.values[path]), cell: c.cellId, uar: 100 * c.uar,
  }))));
  const numeric = values.every((v) => v.value !== '' && Number.isFinite(v.number));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    data: { values },
    facet: { column: { field: 'path', type: 'nominal', title: 'swept value' } },
    spec: {
      width: 260, height: 200,
      layer: [{ mark: { type: 'line', point: true } }],
      encoding: {
        x: numeric ? { field: 'number', type: 'quantitative', title: 'value', scale: { zero: false } } : { field: 'value', type: 'ordinal', title: 'value' },
        y: { aggregate: 'mean', field: 'uar', type: 'quantitative', title: 'test UAR % (mean over the other values)', scale: { zero: false } },
        color: { field: 'cell', type: 'nominal', title: 'cell' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as ChartSpec;
}
