/**
 * The view across a sweep's configurations: one row per configuration with its swept values and
 * its best cell, and the metric against each swept value. Generic over a list of points
 * (swept values -> cell scores), so a grid sweep and an adaptive (Optuna) sweep render alike.
 *
 * The best cell is chosen on validation scores when every cell of every point has one (the
 * inner cross-validation of model selection, README "The protocol"), and otherwise on the test
 * UAR, which is then an optimistic pick; the table says which.
 *
 * Below it, the sweep's own end as its run recorded it (tracking/sweep-result-keys.ts): the best
 * configuration and, when the sweep held speakers out, its held-out test UAR from the final run;
 * without a holdout, the plain statement that the best's test figure was selected across folds.
 */
import type { Run } from '../tracking/mlflow-schemas';
import { SWEEP_RESULT_KEYS } from '../tracking/sweep-result-keys';
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
  /** The sweep's end as its run recorded it (absent for a sweep run before sweeps recorded one). */
  end?: SweepEnd | undefined;
}

/** The end of a sweep, from its MLflow run. */
export interface SweepEnd {
  bestConfiguration: string | undefined;
  chosenOn: string | undefined;
  /** The sentence the sweep printed about its best's test figure. */
  note: string | undefined;
  holdout: { uar: number; wa: number | undefined; cellId: string | undefined; speakers: string[]; runId: string | undefined } | undefined;
  /** Without a holdout: the best configuration's test UAR, selected across the sweep's folds. */
  selectedTestUar: number | undefined;
}

/** The sweep's end as recorded on its run (tags and step-0 metrics); undefined when it recorded none. */
export function sweepEndOf(run: Run): SweepEnd | undefined {
  const k = SWEEP_RESULT_KEYS;
  const tag = (key: string) => run.data.tags.find((t) => t.key === key)?.value;
  const metric = (key: string) => run.data.metrics.find((m) => m.key === key)?.value;
  const note = tag(k.noteTag);
  const uar = metric(k.heldOutUar);
  if (note === undefined && uar === undefined) return undefined;
  return {
    bestConfiguration: tag(k.bestConfigurationTag), chosenOn: tag(k.chosenOnTag), note,
    holdout: uar === undefined ? undefined : {
      uar, wa: metric(k.heldOutWa), cellId: tag(k.holdoutCellTag), speakers: (tag(k.holdoutSpeakersTag) ?? '').split(',').filter(Boolean), runId: tag(k.holdoutRunTag),
    },
    selectedTestUar: metric(k.selectedTestUar),
  };
}

/** What the report says of the sweep's best configuration's test figure: held-out, or optimistic. */
export function sweepEndNote(end: SweepEnd | undefined): string {
  if (end?.holdout) {
    const h = end.holdout;
    return `Held-out test UAR ${pct(h.uar)} %${h.wa === undefined ? '' : ` (WA ${pct(h.wa)} %)`} of ${h.cellId ?? 'the objective cell'}: the best configuration (${end.bestConfiguration ?? '?'}, chosen on ${end.chosenOn ?? '?'}) trained on every other speaker and tested once on speakers ${h.speakers.join(', ')}, which no configuration of the sweep saw (MLflow run ${h.runId ?? '?'}).`;
  }
  if (end?.note) return `${end.note.charAt(0).toUpperCase()}${end.note.slice(1)}`;
  return 'No speakers were held out of this sweep: any test figure of its best configuration was selected across the folds it is measured on, and is optimistic.';
}

export function buildSweepTable(points: readonly SweepPoint[], end?: SweepEnd): SweepTable {
  const paths = [...new Set(points.flatMap((p) => Object.keys(p.values)))].sort();
  const chosenOn = points.length > 0 && points.every((p) => p.cells.length > 0 && p.cells.every((c) => c.validation !== undefined)) ? 'validation' : 'test';
  const score = (c: SweepCellScore) => (chosenOn === 'validation' ? (c.validation as number) : c.uar);
  const rows = points.map((p) => ({
    name: p.name, runId: p.runId, values: p.values,
    best: [...p.cells].sort((a, b) => score(b) - score(a) || a.cellId.localeCompare(b.cellId))[0],
  }));
  return { paths, rows, chosenOn, points: [...points], end };
}

/** Says what the best cell was chosen on, and why that matters for test-score choices; then the sweep's held-out figure, or that it has none. */
export function choiceNote(table: SweepTable): string {
  const cell = table.chosenOn === 'validation'
    ? 'Best cell: the highest mean inner-CV validation score (model selection inside each training fold); UAR and WA are test scores.'
    : 'Best cell: the highest mean test UAR. Chosen on the test scores it reports, so it is optimistic: these experiments record no validation scores to choose on.';
  return `${cell} ${sweepEndNote(table.end)}`;
}

function pct(v: number): string {
  return (100 * v).toFixed(2);
}

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
