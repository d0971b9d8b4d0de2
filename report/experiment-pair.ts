/**
 * Two experiments lined up cell by cell (`serflow compare <A> <B>`): the same Table 1 of both,
 * side by side with the difference B − A of each cell's means; and, when both ran the same folds
 * (the same test speakers per outer fold, the same held-out speakers, the same repeats), each
 * cell's per-fold paired difference B − A with its bootstrap interval and exact Wilcoxon p,
 * computed by compute/experiment-comparisons.ts's pairedFoldDifference, the code behind an
 * experiment's own comparisons. Also what differs between the recorded configs and commits.
 *
 * Two experiments on different corpora or class sets have no cell in common to speak of: that is
 * refused (InputError) naming both values. Folds that do not match are not refused: the side by
 * side table stands, the paired statistics are left out and the reasons said.
 *
 * Pure: the loader (experiment-pair-record.ts) reads MLflow and the store; this only compares.
 */
import { pairedFoldDifference, type PairedFoldDifference } from '../compute/experiment-comparisons';
import { deriveSeed } from '../compute/random';
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE_LEVEL } from '../compute/statistics/bootstrap-median-interval';
import { holmAdjust } from '../compute/statistics/holm-adjustment';
import { smallestHolmP, smallestWilcoxonP } from '../compute/statistics/smallest-p-value';
import { InputError } from '../foundation/errors';
import { CONFIG_PATHS_NOT_COMPARED, configDifferences, withCurrentDefaults, type ConfigDifference } from './config-difference';
import type { CellMetrics } from './experiment-record';
import type { ReportCell } from './results-schema';

export interface CorpusIdentity {
  /** The config's corpus kind (`emodb`, `manifest`); undefined when no config was recorded. */
  kind?: string;
  /** The config's corpus path, as written (relative paths are relative to the config file). */
  path?: string;
  /** Content hash of the corpus's selected utterances (tag serflow.dataset_hash): the same wherever the files sit. */
  contentHash?: string;
}

/** What a comparison needs of one experiment, as the loader reads it from MLflow and the store. */
export interface ComparedExperiment {
  runId: string;
  name: string;
  workflowId?: string;
  /** Tag serflow.git_commit: the serflow code the experiment ran. */
  gitCommit?: string;
  /** Set when the experiment is a sweep's configuration (a grid point or an Optuna trial). */
  sweep?: { id: string; trial?: string };
  corpus: CorpusIdentity;
  classes: string[];
  /** The feature extractor as results.json names it, e.g. `opensmile:eGeMAPSv02`. */
  features: string;
  cells: readonly ReportCell[];
  /** WA and UAR per cell, mean and std over repeats (each repeat pooled over folds), as Table 1 shows them. */
  metrics: Readonly<Record<string, CellMetrics>>;
  /** Cell id -> fold name -> the fold's UAR (mean over repeats). */
  foldUar: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Repeat indices evaluated. */
  repeats: readonly number[];
  /** The outer folds evaluated, in order, with their test speakers when known. */
  folds: readonly { name: string; testSpeakers: readonly string[] | undefined }[];
  /** Why some folds' test speakers are unknown (e.g. the fold list is not in this machine's store). */
  foldsNote?: string;
  /** Speakers removed before the folds were built (protocol.excludeSpeakers, a sweep's holdout). */
  excludedSpeakers: readonly string[];
  /** The recorded config (config.json) as JSON; undefined when the run has none. */
  config: unknown;
}

export type FoldMatch =
  | { matched: true; folds: string[]; repeats: number; heldOut: string[] }
  | { matched: false; reasons: string[] };

/** One experiment as the comparison shows it. */
export interface PairSide {
  runId: string;
  name: string;
  workflowId?: string;
  gitCommit?: string;
  sweep?: { id: string; trial?: string };
  features: string;
  corpus: string;
  folds: string[];
  repeats: number;
}

/** One cell: its numbers in A and in B, their difference, and the paired statistics when the folds match. */
export interface PairRow {
  cellId: string;
  method: string;
  amount: string;
  classifier: string;
  isBaseline: boolean;
  a?: CellMetrics;
  b?: CellMetrics;
  /** B − A of the means (fractions), when both ran the cell. */
  delta?: { wa: number; uar: number };
  /** Per-fold UAR of B − per-fold UAR of A; pHolm over every cell paired. */
  paired?: PairedFoldDifference & { pHolm: number; significant: boolean };
}

export interface PairedDesign {
  /** The folds paired, by name. */
  folds: string[];
  repeats: number;
  /** Speakers both held out before building the folds. */
  heldOut: string[];
  alpha: number;
  /** Holm's family: every cell with paired statistics. */
  family: number;
  /** 2/2^folds: the smallest two-sided p the exact test can reach. */
  smallestP: number;
  smallestPHolm: number;
  bootstrap: { resamples: number; level: number };
}

export interface ExperimentPair {
  a: PairSide;
  b: PairSide;
  /** The shared corpus, as A names it. */
  corpus: string;
  classes: string[];
  /** Whether both ran the same serflow commit; null when either has none recorded. */
  sameCommit: boolean | null;
  config:
    | { recorded: true; differences: ConfigDifference[]; notCompared: string[] }
    | { recorded: false; missing: ('A' | 'B')[] };
  folds: FoldMatch;
  rows: PairRow[];
  /** Present when the folds match and at least one cell is paired. */
  paired?: PairedDesign;
  /** Cells only one of the two ran. */
  onlyIn: { a: string[]; b: string[] };
}

export interface PairOptions {
  /** Significance level of the Holm-adjusted p. Default 0.05. */
  alpha?: number;
  /** Bootstrap samples. Default 10,000. */
  resamples?: number;
  /** Interval coverage. Default 0.95. */
  level?: number;
}

const list = (values: readonly string[]): string => (values.length > 0 ? values.join(', ') : 'none');
const sameSet = (x: readonly string[], y: readonly string[]): boolean => {
  const sx = [...new Set(x)].sort();
  const sy = [...new Set(y)].sort();
  return sx.length === sy.length && sx.every((v, i) => v === sy[i]);
};
const short = (hash: string): string => hash.slice(0, 12);

/** `manifest corpus/manifest.csv (content 1a2b3c4d5e6f)`: what the messages and the header name. */
export function describeCorpus(corpus: CorpusIdentity): string {
  const what = corpus.kind !== undefined ? `${corpus.kind} ${corpus.path ?? ''}`.trim() : 'corpus not recorded (no config.json)';
  return corpus.contentHash !== undefined ? `${what} (content ${short(corpus.contentHash)})` : what;
}

/** The corpus as a name independent of where it sits: its kind and the last part of its path. */
function corpusName(corpus: CorpusIdentity): string | undefined {
  if (corpus.kind === undefined) return undefined;
  const last = (corpus.path ?? '').replace(/\/+$/, '').replace(/^.*\//, '');
  return corpus.kind === 'emodb' ? 'emodb' : `${corpus.kind}:${last}`;
}

/**
 * Why two experiments cannot be lined up, one sentence each naming both values: different class
 * sets; different corpora (by content hash when both have one and the classes agree, since the
 * hash covers the selected labels; otherwise by the config's corpus kind and file name). Empty:
 * comparable.
 */
export function comparabilityProblems(a: ComparedExperiment, b: ComparedExperiment): string[] {
  const problems: string[] = [];
  const classesDiffer = !sameSet(a.classes, b.classes);
  if (classesDiffer) problems.push(`the class sets differ: A has ${list(a.classes)}; B has ${list(b.classes)}`);
  const nameA = corpusName(a.corpus);
  const nameB = corpusName(b.corpus);
  const byHash = !classesDiffer && a.corpus.contentHash !== undefined && b.corpus.contentHash !== undefined;
  const corporaDiffer = byHash ? a.corpus.contentHash !== b.corpus.contentHash : nameA !== undefined && nameB !== undefined && nameA !== nameB;
  if (corporaDiffer) problems.push(`the corpora differ: A is ${describeCorpus(a.corpus)}; B is ${describeCorpus(b.corpus)}`);
  return problems;
}

/** Throws the InputError `serflow compare` exits 2 with when the two cannot be lined up. */
export function assertComparable(a: ComparedExperiment, b: ComparedExperiment): void {
  const problems = comparabilityProblems(a, b);
  if (problems.length === 0) return;
  throw new InputError({
    reason: `A (${a.name}, run ${a.runId}) and B (${b.name}, run ${b.runId}) cannot be compared cell by cell: ${problems.join('; ')}`,
    fix: 'compare two experiments on the same corpus with the same classes',
  });
}

/**
 * Whether the two experiments ran the same folds: the same fold names, each testing the same
 * speakers, the same held-out speakers (so that each fold also trains on the same ones: the
 * corpus is the same, assertComparable saw to it) and the same repeats. Otherwise every reason.
 */
export function matchFolds(a: ComparedExperiment, b: ComparedExperiment): FoldMatch {
  const reasons: string[] = [];
  const namesA = a.folds.map((f) => f.name);
  const namesB = b.folds.map((f) => f.name);
  const onlyA = namesA.filter((n) => !namesB.includes(n));
  const onlyB = namesB.filter((n) => !namesA.includes(n));
  if (onlyA.length > 0 || onlyB.length > 0) {
    reasons.push(`the outer folds differ: A ran ${namesA.length} (${list(namesA)}), B ran ${namesB.length} (${list(namesB)})`);
  } else {
    const unknown: string[] = [];
    for (const fold of a.folds) {
      const other = b.folds.find((f) => f.name === fold.name);
      const sa = fold.testSpeakers;
      const sb = other?.testSpeakers;
      if (sa === undefined || sb === undefined) {
        unknown.push(fold.name);
        continue;
      }
      if (!sameSet(sa, sb)) reasons.push(`fold ${fold.name} tests speaker(s) ${list(sa)} in A and ${list(sb)} in B`);
    }
    if (unknown.length > 0) {
      const why = [a.foldsNote ? `A: ${a.foldsNote}` : '', b.foldsNote ? `B: ${b.foldsNote}` : ''].filter(Boolean).join('; ');
      reasons.push(`the test speakers of fold(s) ${list(unknown)} are not known${why ? ` (${why})` : ''}, so the folds cannot be shown to match`);
    }
  }
  if (!sameSet(a.excludedSpeakers, b.excludedSpeakers)) {
    reasons.push(`the speakers held out before the folds differ: A ${list(a.excludedSpeakers)}, B ${list(b.excludedSpeakers)}`);
  }
  if (!sameSet(a.repeats.map(String), b.repeats.map(String))) {
    reasons.push(`the repeats differ: A ran ${a.repeats.length}, B ran ${b.repeats.length}`);
  }
  return reasons.length === 0 ? { matched: true, folds: namesA, repeats: a.repeats.length, heldOut: [...a.excludedSpeakers].sort() } : { matched: false, reasons };
}

/** Lines the two experiments up. Throws an InputError when their corpora or class sets differ. */
export function pairExperiments(a: ComparedExperiment, b: ComparedExperiment, options: PairOptions = {}): ExperimentPair {
  assertComparable(a, b);
  const alpha = options.alpha ?? 0.05;
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const folds = matchFolds(a, b);

  const ran = (e: ComparedExperiment) => e.cells.filter((c) => e.metrics[c.id] !== undefined);
  const isBaseline = (c: ReportCell) => c.augmentation.method === 'none';
  // Table 1's order: baselines first, then A's order of methods and amounts, then cells only B ran.
  const seen = new Set<string>();
  const ordered: ReportCell[] = [];
  for (const c of [...ran(a).filter(isBaseline), ...ran(b).filter(isBaseline), ...ran(a), ...ran(b)]) {
    if (!seen.has(c.id)) {
      seen.add(c.id);
      ordered.push(c);
    }
  }
  // The seed of a cell's bootstrap depends on the two runs (in either order) and the cell: the
  // same pair always gets the same interval, and B vs A its mirror image.
  const [first, second] = [a.runId, b.runId].sort() as [string, string];
  const rows = ordered.map((cell): PairRow => {
    const ma = a.metrics[cell.id];
    const mb = b.metrics[cell.id];
    const row: PairRow = {
      cellId: cell.id, method: cell.method, amount: cell.amount, classifier: cell.classifier, isBaseline: isBaseline(cell),
      ...(ma ? { a: ma } : {}), ...(mb ? { b: mb } : {}),
    };
    if (ma && mb) row.delta = { wa: mb.waMean - ma.waMean, uar: mb.uarMean - ma.uarMean };
    const fa = a.foldUar[cell.id];
    const fb = b.foldUar[cell.id];
    if (folds.matched && ma && mb && fa && fb) {
      const paired = pairedFoldDifference(fb, fa, { seed: deriveSeed(1, 'experiment-pair-bootstrap', first, second, cell.id), resamples, level });
      if (paired) row.paired = { ...paired, pHolm: Number.NaN, significant: false };
    }
    return row;
  });
  const pairedRows = rows.filter((r) => r.paired !== undefined);
  holmAdjust(pairedRows.map((r) => r.paired?.pRaw as number)).forEach((p, i) => {
    const paired = pairedRows[i]?.paired;
    if (paired) {
      paired.pHolm = p;
      paired.significant = p < alpha;
    }
  });

  const commitA = a.gitCommit && a.gitCommit !== 'unknown' ? a.gitCommit : undefined;
  const commitB = b.gitCommit && b.gitCommit !== 'unknown' ? b.gitCommit : undefined;
  const missing = ([['A', a], ['B', b]] as const).filter(([, e]) => e.config === undefined).map(([side]) => side);
  return {
    a: side(a), b: side(b),
    corpus: describeCorpus(a.corpus),
    classes: [...a.classes],
    sameCommit: commitA !== undefined && commitB !== undefined ? commitA === commitB : null,
    config: missing.length > 0
      ? { recorded: false, missing }
      : { recorded: true, differences: configDifferences(withCurrentDefaults(a.config), withCurrentDefaults(b.config)), notCompared: [...CONFIG_PATHS_NOT_COMPARED] },
    folds,
    rows,
    ...(folds.matched && pairedRows.length > 0
      ? {
        paired: {
          folds: folds.folds, repeats: folds.repeats, heldOut: folds.heldOut, alpha, family: pairedRows.length,
          smallestP: smallestWilcoxonP(folds.folds.length), smallestPHolm: smallestHolmP(folds.folds.length, pairedRows.length),
          bootstrap: { resamples, level },
        },
      }
      : {}),
    onlyIn: { a: rows.filter((r) => r.a && !r.b).map((r) => r.cellId), b: rows.filter((r) => r.b && !r.a).map((r) => r.cellId) },
  };
}

function side(e: ComparedExperiment): PairSide {
  return {
    runId: e.runId, name: e.name,
    ...(e.workflowId !== undefined ? { workflowId: e.workflowId } : {}),
    ...(e.gitCommit !== undefined ? { gitCommit: e.gitCommit } : {}),
    ...(e.sweep !== undefined ? { sweep: e.sweep } : {}),
    features: e.features, corpus: describeCorpus(e.corpus), folds: e.folds.map((f) => f.name), repeats: e.repeats.length,
  };
}
