/**
 * `serflow report`: from an experiment's (or a sweep's) records in MLflow and the artifact store
 * to the paper's table and figures, written to a folder and logged under `report/` on the
 * experiment's (or sweep's) parent run.
 *
 * Layout of the folder (a sweep gets one sub-folder per experiment, and one report.html and
 * table1 for all):
 *   report.html                     self-contained page: table, figures (inline SVG), captions
 *   report.json                     the table's numbers, comparisons, chosen hyperparameters, figure list, coverage, warnings
 *   table1.md                       protocol, Table 1, the comparisons, the chosen hyperparameters per fold
 *   table1.csv | comparisons.csv    Table 1 and the comparisons (fractions at full precision)
 *   <figure>.svg | .png | .vl.json  each figure, with its Vega-Lite spec
 * A sweep's folder also holds its view across configurations (report/sweep-table.ts):
 *   sweep.md | sweep.csv            each configuration's swept values and best cell (and every cell's scores)
 *   sweep-uar.svg | .png | .vl.json test UAR against each swept value
 * Figures: uar-vs-samples (Figs 5-9), map-pca / map-umap (Fig 10), gan-losses, confusion.
 * A figure without data (no GAN runs, a baseline-only experiment) is skipped with a warning.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactStore } from '../store/artifact-store';
import type { MlflowClient } from '../tracking/mlflow-client';
import { ADJUSTMENT_TAG_PREFIX } from '../tracking/mlflow-keys';
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ChartSpec } from './chart-spec';
import { ganLossLabel } from './chart-spec';
import { augmentationCurveData, augmentationCurvesSpec } from './charts/augmentation-curves';
import { confusionHeatmapsSpec, confusionPanels } from './charts/confusion-heatmaps';
import { embeddingMapSpec } from './charts/embedding-map';
import { ganLossCurvesSpec } from './charts/gan-loss-curves';
import type { EmbeddingMaps, EmbeddingMethod } from './embedding-maps';
import { loadExperimentRecord, type ExperimentRecord, type GanRunRecord } from './experiment-record';
import { renderChart } from './render-chart';
import { describeProtocol, protocolHtml, protocolMarkdown, type ProtocolLine } from './protocol-description';
import { renderReportHtml, type HtmlFigure, type HtmlSection } from './report-html';
import type { ReportTarget } from './report-target';
import { buildSelectionTables, selectionHtml, selectionMarkdown, type CellSelection } from './selection-table';
import { buildSweepTable, choiceNote, sweepEndOf, sweepMetricSpec, sweepTableCsv, sweepTableHtml, sweepTableMarkdown, type SweepPoint, type SweepTable } from './sweep-table';
import { buildTableOne, comparisonsCsv, comparisonsHtml, tableOneCsv, tableOneHtml, tableOneMarkdown, type TableOne } from './table-one';

export interface ReportDeps {
  mlflow: MlflowClient;
  store: ArtifactStore;
  logger?: MinimalLogger;
}

export interface ReportOptions {
  /** 2-D maps to draw. Default ['pca', 'umap']. */
  embeddings?: EmbeddingMethod[];
  /** Significance level of the primary comparisons (Holm-adjusted). Default 0.05. */
  alpha?: number;
  /** Upload the files under report/ on the parent run. Default true. */
  logArtifacts?: boolean;
  /** Shown in the page; default: now. */
  generatedAt?: Date;
}

export interface FigureRecord {
  name: string;
  title: string;
  caption: string;
  /** Paths relative to the output folder. */
  files: string[];
  /** PNG size in pixels. */
  png: { width: number; height: number };
}

export interface ExperimentReport {
  runId: string;
  name: string;
  /** Sub-folder of the output folder ('' for a single experiment). */
  dir: string;
  table: TableOne;
  protocol: ProtocolLine[];
  /** Chosen hyperparameters per fold, per cell that selected any (empty: no model selection). */
  selection: CellSelection[];
  figures: FigureRecord[];
  coverage?: EmbeddingMaps['coverage'];
  /** Expected adjustments recorded on the run (tags serflow.adjustment.*), e.g. a GAN batch lowered to the smallest class. */
  adjustments: string[];
  warnings: string[];
}

export interface ReportSummary {
  kind: ReportTarget['kind'];
  runId: string;
  outDir: string;
  /** Every file written, relative to outDir. */
  files: string[];
  /** Where the files were logged on the parent run (undefined when not logged). */
  artifactPath: string | undefined;
  experiments: ExperimentReport[];
  /** A sweep's view across its configurations. */
  sweep?: SweepTable;
}

export const ARTIFACT_FOLDER = 'report';

export async function generateReport(deps: ReportDeps, target: ReportTarget, outDir: string, options: ReportOptions = {}): Promise<ReportSummary> {
  const runs = target.kind === 'experiment' ? [target.run] : target.experiments;
  const files = new Map<string, Buffer>();
  const experiments: ExperimentReport[] = [];
  const sections: HtmlSection[] = [];
  const records: ExperimentRecord[] = [];
  for (const run of runs) {
    const record = await loadExperimentRecord(deps.mlflow, run);
    records.push(record);
    const dir = target.kind === 'sweep' ? `${slug(record.name)}-${run.info.run_id.slice(0, 8)}` : '';
    deps.logger?.info({ runId: run.info.run_id, name: record.name }, 'report: experiment');
    const { report, section } = await experimentReport(deps, record, dir, files, options);
    experiments.push(report);
    sections.push(section);
  }
  const title = target.kind === 'sweep'
    ? `serflow report: sweep ${target.run.data.tags.find((t) => t.key === 'serflow.sweep_id')?.value ?? target.run.info.run_id}`
    : `serflow report: ${experiments[0]?.name ?? target.run.info.run_id}`;
  let sweep: SweepTable | undefined;
  if (target.kind === 'sweep') {
    sweep = buildSweepTable(sweepPoints(records), sweepEndOf(target.run));
    const spec = sweepMetricSpec(sweep, 'Test UAR against each swept value');
    const chart = await renderChart(spec);
    files.set('sweep.md', Buffer.from(`# ${title}\n\n${sweepTableMarkdown(sweep)}`));
    files.set('sweep.csv', Buffer.from(sweepTableCsv(sweep)));
    files.set('sweep-uar.svg', Buffer.from(chart.svg));
    files.set('sweep-uar.png', chart.png);
    files.set('sweep-uar.vl.json', Buffer.from(JSON.stringify(spec, null, 1)));
    sections.unshift({
      heading: 'Configurations of the sweep',
      facts: [['sweep run', target.run.info.run_id], ['configurations', String(sweep.rows.length)], ['swept', sweep.paths.join(', ') || '(none differ)']],
      tableHtml: sweepTableHtml(sweep),
      figures: [{ title: 'Test UAR against each swept value', svg: chart.svg, caption: 'One panel per swept value, one line per cell; each point is the mean test UAR over the configurations with that value.' }],
      notes: [choiceNote(sweep)],
    });
    // One table for the sweep: each experiment's rows, tagged with its name.
    const md = experiments.map((e) => `## ${e.name}\n\n${experimentMarkdown(e, '###')}`).join('\n');
    files.set('table1.md', Buffer.from(`# Table 1, per experiment of the sweep\n\n${sweepTableMarkdown(sweep)}\n${md}`));
    files.set('table1.csv', Buffer.from(sweepCsv(experiments, (e) => tableOneCsv(e.table))));
    files.set('comparisons.csv', Buffer.from(sweepCsv(experiments, (e) => comparisonsCsv(e.table))));
  }
  files.set('report.html', Buffer.from(renderReportHtml(title, sections, (options.generatedAt ?? new Date()).toISOString())));
  const summary: ReportSummary = {
    kind: target.kind, runId: target.run.info.run_id, outDir, files: [], artifactPath: undefined,
    experiments, ...(sweep ? { sweep } : {}),
  };
  files.set('report.json', Buffer.from(JSON.stringify({ ...summary, files: undefined, outDir: undefined }, null, 2)));
  for (const [path, bytes] of files) {
    const full = join(outDir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
  }
  summary.files = [...files.keys()].sort();
  if (options.logArtifacts ?? true) {
    for (const [path, bytes] of files) await deps.mlflow.uploadRunArtifact(target.run, `${ARTIFACT_FOLDER}/${path}`, bytes);
    summary.artifactPath = `${ARTIFACT_FOLDER}/`;
  }
  return summary;
}

async function experimentReport(
  deps: ReportDeps, record: ExperimentRecord, dir: string, files: Map<string, Buffer>, options: ReportOptions,
): Promise<{ report: ExperimentReport; section: HtmlSection }> {
  const { results } = record;
  const at = (name: string) => (dir ? `${dir}/${name}` : name);
  const warnings: string[] = [];
  const foldUar = Object.fromEntries(Object.entries(results.summaries).map(([id, s]) => [id, s.foldUar]));
  if (!record.config) warnings.push('the run has no config.json: the comparisons use the default family and seed 1, and the protocol is partly unknown');
  const table = buildTableOne({
    cells: results.cells, metrics: record.cellMetrics, foldUar, alpha: options.alpha ?? 0.05,
    comparisons: record.config?.comparisons, seed: record.config?.protocol.seed ?? 1,
  });
  const protocol = describeProtocol({ config: record.config, results, comparisons: table.comparisons });
  const selection = buildSelectionTables(results.cells, results.evaluations);
  files.set(at('table1.csv'), Buffer.from(tableOneCsv(table)));
  files.set(at('comparisons.csv'), Buffer.from(comparisonsCsv(table)));
  if (!table.rows.some((r) => r.isBaseline)) warnings.push('no no-augmentation cell: no baseline row and no comparisons with it');

  const figures: FigureRecord[] = [];
  const htmlFigures: HtmlFigure[] = [];
  const figure = async (name: string, title: string, caption: string, spec: ChartSpec) => {
    const chart = await renderChart(spec);
    for (const w of chart.warnings) deps.logger?.warn({ figure: name, warning: w }, 'report: vega-lite warning');
    files.set(at(`${name}.svg`), Buffer.from(chart.svg));
    files.set(at(`${name}.png`), chart.png);
    files.set(at(`${name}.vl.json`), Buffer.from(JSON.stringify(spec, null, 1)));
    figures.push({ name, title, caption, files: ['svg', 'png', 'vl.json'].map((e) => at(`${name}.${e}`)), png: { width: chart.width, height: chart.height } });
    htmlFigures.push({ title, svg: chart.svg, caption });
  };

  const curves = augmentationCurveData(record);
  if (curves.points.length > 0) {
    await figure('uar-vs-samples', 'UAR as synthetic samples are added (Figures 5–9)',
      'UAR (mean over repeats; each repeat pooled over folds) against the synthetic samples added to a training fold (mean over folds and repeats), ' +
      'one panel per method, one line per classifier; error bars ± 1 sample std over repeats; dashed lines: the same classifier without augmentation.',
      augmentationCurvesSpec(curves, record.name));
  } else warnings.push('no augmented cells: no UAR curves');

  let maps: EmbeddingMaps | undefined;
  // tfjs (for the GAN checkpoints) loads only when a report gets this far: a wrong id fails fast.
  const { buildEmbeddingMaps, loadGanLossPoints } = ganModules();
  try {
    maps = await buildEmbeddingMaps(deps.store, results, firstRepeatGans(record.ganRuns), { methods: options.embeddings ?? ['pca', 'umap'] });
  } catch (error) {
    warnings.push(`maps skipped: ${error instanceof Error ? error.message : String(error)}`);
    deps.logger?.warn({ runId: record.run.info.run_id, error: String(error) }, 'report: maps skipped');
  }
  if (maps) {
    const caption = coverageCaption(maps);
    for (const map of maps.maps) {
      const label = map.method === 'pca' ? 'PCA' : 'UMAP';
      const how = map.method === 'pca'
        ? 'PCA fitted on the real training vectors; synthetic vectors projected on the same axes.'
        : 'UMAP (umap-js, 15 neighbours, seeded) of the real and synthetic vectors together, on the 20 leading principal components of the real vectors.';
      await figure(`map-${map.method}`, `Real and synthetic vectors, ${label} (Figure 10)`,
        `Fold ${maps.fold}: real training vectors (circles) and as many synthetic vectors per class (crosses, at most 200) from each GAN's final checkpoint. ${how} ` +
        `Coverage (k-NN precision: share of synthetic vectors inside the real class's 3-NN balls; recall: share of real vectors inside the synthetic 3-NN balls; full feature space): ${caption.join(' ')}`,
        embeddingMapSpec({
          points: map.points, classes: results.classes, method: label, axisTitles: map.axisTitles, title: `${record.name}, fold ${maps.fold}`,
          caption: ['per class, 3-NN precision P (synthetic vectors inside the real class) and recall R (real vectors covered by the synthetic ones):', ...caption],
        }));
    }
    const runs = firstRepeatGans(record.ganRuns).filter((r) => r.foldIndex === maps.foldIndex);
    const lossPoints = await loadGanLossPoints(deps.mlflow, runs, results.classes);
    if (lossPoints.length > 0) {
      await figure('gan-losses', 'GAN training losses per epoch',
        `Fold ${maps.fold}: the epoch means of each loss term (MLflow metric histories of the GAN runs), per class and their mean; rows: loss terms; columns: adversarial loss.`,
        ganLossCurvesSpec(lossPoints, `${record.name}, fold ${maps.fold}`));
    } else warnings.push('the GAN runs have no loss histories');
  } else if (record.ganRuns.length === 0) warnings.push('no GAN runs: no maps and no GAN loss curves');

  const panels = confusionPanels(record);
  if (panels.length > 0) {
    await figure('confusion', 'Confusion matrices', 'Pooled over folds and repeats: rows are true classes, columns predictions, cells the percentage of the true class (the diagonal is each class\'s recall). For each classifier: the no-augmentation cell and each method at its best amount.',
      confusionHeatmapsSpec(panels, results.classes, record.name));
  }

  const fromResults = Object.values(record.cellMetrics).filter((m) => m.source === 'results.json').length;
  if (fromResults > 0) warnings.push(`${fromResults} cell(s) had no summary metrics on the parent run: WA/UAR taken from results.json`);
  const facts: [string, string][] = [
    ['MLflow run', record.run.info.run_id],
    ['status', record.run.info.status],
    ['classes', results.classes.join(', ')],
    ['features', `${results.features.extractor}, ${results.features.rows} x ${results.features.cols}`],
    ...(results.features.audio ? [['audio', results.features.audio.text] as [string, string]] : []),
    ['folds', String(new Set(results.evaluations.map((e) => e.fold)).size)],
    ['repeats', String(new Set(results.evaluations.map((e) => e.repeat)).size)],
  ];
  const adjustments = record.run.data.tags.filter((t) => t.key.startsWith(ADJUSTMENT_TAG_PREFIX)).map((t) => t.value).sort();
  const report: ExperimentReport = { runId: record.run.info.run_id, name: record.name, dir, table, protocol, selection, figures, ...(maps ? { coverage: maps.coverage } : {}), adjustments, warnings };
  files.set(at('table1.md'), Buffer.from(`# Table 1: ${record.name}\n\n${experimentMarkdown(report, '##')}`));
  return {
    report,
    section: {
      heading: record.name, facts, protocolHtml: protocolHtml(protocol), tableHeading: 'Table 1: WA and UAR per method and classifier', tableHtml: tableOneHtml(table),
      comparisonsHtml: comparisonsHtml(table), selectionHtml: selectionHtml(selection), adjustments, figures: htmlFigures, notes: warnings.map((w) => `Note: ${w}.`),
    },
  };
}

/** An experiment's text report: protocol, Table 1 with its comparisons, chosen hyperparameters (headings one level below `level`). */
function experimentMarkdown(e: ExperimentReport, level: '##' | '###'): string {
  const adjusted = e.adjustments.length ? `${level} Adjusted as expected\n\n${e.adjustments.map((a) => `- ${a}`).join('\n')}\n` : '';
  const md = [protocolMarkdown(e.protocol), tableOneMarkdown(e.table).replace(/^## /gm, `${level} `), selectionMarkdown(e.selection).replace(/^## /gm, `${level} `), adjusted];
  return md.filter((part) => part !== '').join('\n');
}

/** One CSV for a sweep: each experiment's lines, prefixed with its name. */
function sweepCsv(experiments: readonly ExperimentReport[], csv: (e: ExperimentReport) => string): string {
  const lines: string[] = [];
  experiments.forEach((e, i) => {
    const [header, ...rows] = csv(e).trimEnd().split('\n');
    if (i === 0) lines.push(`experiment,${header}`);
    for (const row of rows) lines.push(`${csvField(e.name)},${row}`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * A sweep's configurations as points: their swept values are the `sweep.<path>` params of their
 * parent runs, or (runs logged before those params) the config params that differ between them.
 * A cell's validation score is the mean of what model selection scored its choice with, when
 * every evaluation of the cell selected.
 */
export function sweepPoints(records: readonly ExperimentRecord[]): SweepPoint[] {
  const params = records.map((r) => new Map(r.run.data.params.map((p) => [p.key, p.value])));
  const swept = params.some((p) => [...p.keys()].some((k) => k.startsWith('sweep.')))
    ? [...new Set(params.flatMap((p) => [...p.keys()].filter((k) => k.startsWith('sweep.'))))]
    : [...new Set(params.flatMap((p) => [...p.keys()]))].filter((k) => !NOT_SWEPT.has(k) && new Set(params.map((p) => p.get(k))).size > 1);
  return records.map((record, i) => ({
    name: record.name, runId: record.run.info.run_id,
    values: Object.fromEntries(swept.sort().map((k) => [k.replace(/^sweep\./, ''), params[i]?.get(k) ?? ''])),
    cells: Object.entries(record.cellMetrics).map(([cellId, m]) => {
      const scores = record.results.evaluations.filter((e) => e.cellId === cellId).map((e) => e.selection?.validationScore);
      const validation = scores.length > 0 && scores.every((v) => v !== undefined) ? scores.reduce((a, b) => a + (b as number), 0) / scores.length : undefined;
      return { cellId, uar: m.uarMean, wa: m.waMean, validation };
    }),
  }));
}

/** Params every configuration of a sweep has its own value of without it being swept. */
const NOT_SWEPT = new Set(['name', 'description', 'tracking.experiment']);

function coverageCaption(maps: EmbeddingMaps): string[] {
  return maps.losses.map((loss) => {
    const perClass = maps.coverage[loss] ?? {};
    const parts = Object.entries(perClass).map(([cls, c]) => `${cls} P ${c.precision.toFixed(2)} R ${c.recall.toFixed(2)}`);
    return `${ganLossLabel(loss)}: ${parts.length > 0 ? parts.join(', ') : 'no coverage numbers'}.`;
  });
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'experiment';
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */
function ganModules() {
  return {
    ...(require('./embedding-maps') as typeof import('./embedding-maps')),
    ...(require('./gan-loss-history') as typeof import('./gan-loss-history')),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */

/**
 * One GAN per (fold, loss) for the maps and loss curves: the shared one, or repeat 0's when GANs
 * were trained per repeat (the other repeats' GANs differ only by seed; their quality metrics
 * stay on their MLflow runs).
 */
function firstRepeatGans(runs: readonly GanRunRecord[]): GanRunRecord[] {
  return runs.filter((r) => (r.repeat ?? 0) === 0);
}
