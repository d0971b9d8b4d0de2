/**
 * `serflow report <sweep id>` for an optuna sweep: Optuna's own plots (optimisation history,
 * parallel coordinates, parameter importances by fANOVA) as SVG and PNG, the trials per state,
 * the best trials' table, and one self-contained HTML page, written to a folder and logged under
 * `report/optuna/` on the sweep's run.
 *
 * The objective is the inner-CV validation score; the test speakers' scores are shown for the
 * best trial(s) only, marked as such: choosing among trials by their test scores would leak the
 * test speakers into the choice. Those scores were selected across folds (each test speaker was
 * a validation speaker in the other folds), so the report calls them optimistic; a sweep with
 * `search.holdout` shows instead its held-out test UAR, from the final run of the best trial on
 * speakers no trial saw (report/sweep-table.ts reads it from the sweep's run).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../foundation/errors';
import type { MlflowClient } from '../tracking/mlflow-client';
import type { Run } from '../tracking/mlflow-schemas';
import {
  OPTUNA_OBJECTIVES_TAG, OPTUNA_STUDY_TAG, type OptunaStudies, type OptunaTrial, type StudyTrials, type SweepObjectiveRecord,
} from '../tracking/optuna/optuna-studies';
import type { RunRegistry } from '../tracking/run-registry';
import { renderReportHtml, type HtmlFigure } from './report-html';
import { tagOf } from './report-target';
import { sweepEndNote, sweepEndOf } from './sweep-table';
import { escapeHtml } from './table-one';

export interface OptunaReportDeps {
  mlflow: MlflowClient;
  runs: RunRegistry;
  studies: OptunaStudies;
}

export interface OptunaReportSummary {
  runId: string;
  files: string[];
  artifactPath: string | undefined;
  counts: StudyTrials['counts'];
  warnings: string[];
  /** The sweep's held-out test UAR (search.holdout), when it had one. */
  heldOutUar: number | undefined;
}

/** Trials in the best trials' table. */
const BEST_ROWS = 10;

/** Whether a sweep's run is an optuna sweep's (its trials recorded the study's name on it). */
export function isOptunaSweepRun(run: Run): boolean {
  return tagOf(run, OPTUNA_STUDY_TAG) !== undefined;
}

export async function generateOptunaReport(deps: OptunaReportDeps, sweepRun: Run, outDir: string, options: { logArtifacts?: boolean } = {}): Promise<OptunaReportSummary> {
  const study = tagOf(sweepRun, OPTUNA_STUDY_TAG);
  if (!study) throw new InputError({ field: 'id', reason: `run ${sweepRun.info.run_id} is not an optuna sweep's run (no ${OPTUNA_STUDY_TAG} tag)`, fix: 'give the id of an optuna sweep' });
  const objectives = JSON.parse(tagOf(sweepRun, OPTUNA_OBJECTIVES_TAG) ?? '[]') as SweepObjectiveRecord[];
  await mkdir(outDir, { recursive: true });
  const trials = await deps.studies.summary({ study });
  const plots = await deps.studies.figures({ study }, outDir, objectives.map((o) => o.name));
  const warnings = [...plots.problems];
  const files = [...plots.files];

  const bestRows = await bestTrialRows(deps.mlflow, trials, objectives);
  const figures: HtmlFigure[] = [];
  for (const file of plots.files.filter((f) => f.endsWith('.svg'))) {
    const name = basename(file, '.svg');
    figures.push({ title: FIGURE_TITLES[name] ?? name, svg: await readFile(file, 'utf8'), caption: FIGURE_CAPTIONS[name] ?? '' });
  }
  const counts = trials.counts;
  const primary = objectives[0];
  const end = sweepEndOf(sweepRun);
  const facts: [string, string][] = [
    ['sweep run', sweepRun.info.run_id], ['study', study],
    ['objective', objectives.map((o) => `${o.name} of ${o.cell} (${trials.directions[objectives.indexOf(o)] ?? '?'})`).join('; ')],
    ['trials', Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(', ')],
    end?.holdout
      ? ['held-out test UAR', `${(100 * end.holdout.uar).toFixed(2)} % of ${end.holdout.cellId ?? '?'} on speakers ${end.holdout.speakers.join(', ')} (final run ${end.holdout.runId ?? '?'})`]
      : ['held-out test UAR', 'none: no speakers were held out; the best trial\'s test figure below is optimistic'],
  ];
  const importances = plots.importances
    ? `<table><tr><th>parameter</th><th>importance (fANOVA)</th></tr>${Object.entries(plots.importances).map(([p, v]) => `<tr><td>${escapeHtml(p)}</td><td class="num">${v.toFixed(3)}</td></tr>`).join('')}</table>`
    : '<p class="note">Parameter importances need at least two complete trials with different values.</p>';
  const html = renderReportHtml(`Optuna sweep ${tagOf(sweepRun, 'serflow.sweep_id') ?? sweepRun.info.run_id}`, [{
    heading: 'Trials',
    facts,
    protocolHtml: `<ul class="protocol"><li>Each trial is one experiment with the sampled values; its score is the ${escapeHtml(primary ? `${primary.name} of ${primary.cell}` : 'objective')}: the mean over outer folds of the inner-CV validation score on the training speakers of each fold, never the test speakers.</li>`
      + '<li>Pruning is decided after each outer fold, in fold order, on the running mean of that score; a pruned trial skipped its remaining folds.</li>'
      + '<li>The test speakers\' UAR and WA are shown for the best trial(s) only, and are marked so. They were selected across folds (each test speaker was a validation speaker in the other folds): optimistic, not a held-out estimate.</li>'
      + `<li>${escapeHtml(sweepEndNote(end))}</li></ul>`,
    tableHtml: bestTable(bestRows, objectives) + `<h3>Parameter importances</h3>${importances}`,
    figures,
    notes: warnings,
  }], new Date().toISOString());
  const htmlFile = join(outDir, 'optuna-report.html');
  await writeFile(htmlFile, html);
  const dataFile = join(outDir, 'optuna-trials.json');
  await writeFile(dataFile, JSON.stringify({ study, objectives, counts, importances: plots.importances, best: bestRows, end: end ?? null, trials: trials.trials }, null, 2));
  files.push(htmlFile, dataFile);

  let artifactPath: string | undefined;
  if (options.logArtifacts ?? true) {
    artifactPath = 'report/optuna';
    for (const file of files) await deps.runs.logArtifact(sweepRun, `${artifactPath}/${basename(file)}`, await readFile(file));
  }
  return { runId: sweepRun.info.run_id, files, artifactPath, counts, warnings, heldOutUar: end?.holdout?.uar };
}

const FIGURE_TITLES: Record<string, string> = {
  'optimisation-history': 'Optimisation history',
  'parallel-coordinates': 'Parallel coordinates',
  'parameter-importances': 'Parameter importances',
};
const FIGURE_CAPTIONS: Record<string, string> = {
  'optimisation-history': 'Objective of every complete trial in trial order, and the best so far (Optuna, plot_optimization_history).',
  'parallel-coordinates': 'Sampled values of every complete trial, coloured by objective (Optuna, plot_parallel_coordinate).',
  'parameter-importances': 'fANOVA importance of each parameter for the objective (Optuna, plot_param_importances).',
};

interface BestRow {
  trial: number;
  state: string;
  values: number[];
  params: Record<string, unknown>;
  foldsReported: number;
  runId: string | undefined;
  /** Only for the best trial(s): the objective cell's scores on the test speakers. */
  test?: { uar: number | undefined; wa: number | undefined };
}

async function bestTrialRows(mlflow: MlflowClient, trials: StudyTrials, objectives: SweepObjectiveRecord[]): Promise<BestRow[]> {
  const best = new Set(trials.best.map((t) => t.number));
  const sign = trials.directions[0] === 'minimize' ? 1 : -1;
  const complete = trials.trials.filter((t) => t.state === 'complete' && t.values).sort((a, b) => sign * (((a.values as number[])[0] as number) - ((b.values as number[])[0] as number)));
  const rows: BestRow[] = [];
  for (const t of complete.slice(0, BEST_ROWS)) rows.push(await row(t, best.has(t.number)));
  return rows;

  async function row(t: OptunaTrial, isBest: boolean): Promise<BestRow> {
    const r: BestRow = { trial: t.number, state: t.state, values: t.values ?? [], params: t.params, foldsReported: t.intermediate.length, runId: t.runId ?? undefined };
    const cell = objectives[0]?.cell;
    if (isBest && r.runId && cell) {
      const run = await mlflow.getRun(r.runId);
      const metric = (key: string) => run.data.metrics.find((m) => m.key === key)?.value;
      r.test = { uar: metric(`${cell}/uar_mean`), wa: metric(`${cell}/wa_mean`) };
    }
    return r;
  }
}

function bestTable(rows: BestRow[], objectives: SweepObjectiveRecord[]): string {
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const pct = (v: number | undefined) => (v === undefined ? '-' : (100 * v).toFixed(2));
  const head = ['trial', ...objectives.map((o) => o.name), ...params, 'test UAR % (best only)', 'test WA % (best only)', 'MLflow run']
    .map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => {
    const cells = [
      String(r.trial), ...objectives.map((_, i) => (r.values[i] === undefined ? '-' : (r.values[i] as number).toFixed(4))),
      ...params.map((p) => (typeof r.params[p] === 'number' ? Number((r.params[p] as number).toPrecision(4)).toString() : String(r.params[p] ?? '-'))),
      pct(r.test?.uar), pct(r.test?.wa), r.runId ?? '-',
    ];
    return `<tr${r.test ? ' class="baseline"' : ''}>${cells.map((c) => `<td class="num">${escapeHtml(c)}</td>`).join('')}</tr>`;
  }).join('\n');
  return `<h3>Best trials by ${escapeHtml(objectives[0]?.name ?? 'objective')}</h3>\n<table><tr>${head}</tr>\n${body}</table>\n`
    + '<p class="note">Test scores (the outer folds\' test speakers) are given for the best trial(s) only, for the record; the trials were chosen by their validation score. Selected across folds, they are optimistic: the held-out test UAR above, when the sweep held speakers out, is the unbiased figure.</p>';
}
