/**
 * `serflow compare <A> <B>`: reads two experiments (compared-experiment.ts), lines them up
 * (experiment-pair.ts) and, only when given a folder, writes there:
 *   compare.html                      self-contained page in the report's style, the figure inline
 *   compare.md                        what the command prints
 *   compare.json                      the comparison's numbers (fractions), as --json prints them
 *   compare-uar.svg | .png | .vl.json the figure (experiment-pair-chart.ts) and its Vega-Lite spec
 * It writes nothing else anywhere: no MLflow call that writes, no file outside the folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { experimentPairSpec } from './charts/experiment-pair-chart';
import { loadComparedExperiment, type ComparedExperimentDeps } from './compared-experiment';
import { pairExperiments, type ExperimentPair, type PairOptions } from './experiment-pair';
import { pairHtmlSection, pairMarkdown } from './experiment-pair-render';
import { renderChart } from './render-chart';
import { renderReportHtml } from './report-html';

export interface CompareOptions extends PairOptions {
  /** Folder for the files; none: nothing is written. */
  outDir?: string;
  /** Shown in the page; default: now. */
  generatedAt?: Date;
}

export interface CompareResult {
  pair: ExperimentPair;
  /** What the command prints. */
  markdown: string;
  /** Files written, relative to outDir (empty without one). */
  files: string[];
}

export const FIGURE_NAME = 'compare-uar';

export async function compareExperiments(deps: ComparedExperimentDeps, ids: readonly [string, string], options: CompareOptions = {}): Promise<CompareResult> {
  const a = await loadComparedExperiment(deps, ids[0]);
  const b = await loadComparedExperiment(deps, ids[1]);
  const pair = pairExperiments(a, b, options);
  const markdown = pairMarkdown(pair);
  if (options.outDir === undefined) return { pair, markdown, files: [] };

  const spec = experimentPairSpec(pair);
  const chart = await renderChart(spec);
  for (const w of chart.warnings) deps.logger?.warn({ figure: FIGURE_NAME, warning: w }, 'compare: vega-lite warning');
  const caption = pair.paired
    ? 'Left: UAR per cell in A and B (mean over repeats, each repeat pooled over folds; bars ± 1 std over repeats). Right: the median per-fold difference B − A with its bootstrap interval (the paired table\'s numbers); the dashed line is no difference.'
    : 'Left: UAR per cell in A and B (mean over repeats, each repeat pooled over folds; bars ± 1 std over repeats). Right: B − A of the means; no interval, since the folds do not match.';
  const title = `serflow compare: ${pair.a.name} vs ${pair.b.name}`;
  const files = new Map<string, Buffer>([
    ['compare.html', Buffer.from(renderReportHtml(title, [pairHtmlSection(pair, [{ title: 'UAR of A and B, and B − A per cell', svg: chart.svg, caption }])], (options.generatedAt ?? new Date()).toISOString(), 'serflow compare'))],
    ['compare.md', Buffer.from(markdown)],
    ['compare.json', Buffer.from(JSON.stringify(pair, null, 2))],
    [`${FIGURE_NAME}.svg`, Buffer.from(chart.svg)],
    [`${FIGURE_NAME}.png`, chart.png],
    [`${FIGURE_NAME}.vl.json`, Buffer.from(JSON.stringify(spec, null, 1))],
  ]);
  await mkdir(options.outDir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(options.outDir, name), bytes);
  return { pair, markdown, files: [...files.keys()].sort() };
}
