/**
 * The comparisons of an experiment, from the per-fold UARs of its cells: which pairs of cells are
 * compared (the primary comparisons the config declares, and every other augmented cell against
 * no augmentation as exploratory), and per comparison the median per-fold UAR difference with a
 * bootstrap interval over folds, the mean difference, the exact Wilcoxon signed-rank p, and the
 * Holm-adjusted p over the primary comparisons only.
 *
 * Why a fixed family: Holm over every cell of a large grid makes significance unreachable by
 * construction (10 folds, 40 cells: no adjusted p below 0.078). A reader trusts a small family
 * named before the results were seen; the rest of the grid is shown, with raw p only, as what it
 * is: exploration. Pure and deterministic (seeded bootstrap), so that the activity that logs the
 * comparisons to MLflow at the end of an experiment and the report compute the same numbers.
 */
import { z } from 'zod';
import { InputError } from '../foundation/errors';
import { deriveSeed } from './random';
import { bootstrapMedianInterval, DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE_LEVEL } from './statistics/bootstrap-median-interval';
import { holmAdjust } from './statistics/holm-adjustment';
import { smallestHolmP, smallestWilcoxonP } from './statistics/smallest-p-value';
import { wilcoxonSignedRank } from './statistics/wilcoxon-signed-rank';

/**
 * A comparison as a config holds it after its schema (configs/schema/experiment.ts): `a` and `b`
 * are method display names, `amount` a cell's amount label ("ratio-1", "balance"). Without
 * `classifier`, each classifier of the experiment; without `amount`, each amount the two
 * methods share (a method without amounts, such as none, pairs with every amount).
 */
export const comparisonRequestSchema = z.strictObject({
  a: z.string().min(1),
  b: z.string().min(1),
  classifier: z.string().min(1).optional(),
  amount: z.string().min(1).optional(),
});
export type ComparisonRequest = z.infer<typeof comparisonRequestSchema>;

/**
 * What the comparisons need of a recorded config (config.json on an experiment's parent run):
 * the base seed and the declared comparisons. Other fields are ignored, so any config version
 * reads.
 */
export const comparisonSettingsSchema = z.object({
  protocol: z.object({ seed: z.number().int() }),
  comparisons: z.array(comparisonRequestSchema).optional(),
});
export type ComparisonSettings = z.infer<typeof comparisonSettingsSchema>;

/** What a comparison needs of a cell (configs' Cell and the report's cell both fit). */
export interface ComparableCell {
  id: string;
  /** Method display name. */
  method: string;
  /** Amount label; meaningless for a cell without augmentation. */
  amount: string;
  classifier: string;
  augmentation: { method: string };
}

export type ComparisonRole = 'primary' | 'exploratory';

export interface PlannedComparison {
  /** `<a>_vs_<b>/<classifier>[/<amount>]`, unique within the experiment. */
  id: string;
  role: ComparisonRole;
  a: string;
  b: string;
  classifier: string;
  /** The amount of the augmented side(s); absent when neither side is augmented. */
  amount?: string;
  cellA: string;
  cellB: string;
}

export interface ComparisonPlan {
  /** True when the config declared its comparisons; false: the default family was used. */
  preDeclared: boolean;
  comparisons: PlannedComparison[];
}

/** A problem of a declared comparison: its path in the config (`comparisons.<i>.a`) and what is wrong. */
export interface ComparisonProblem {
  path: (string | number)[];
  message: string;
}

const isAugmented = (c: ComparableCell): boolean => c.augmentation.method !== 'none';
const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/**
 * Every problem of declared comparisons against what the experiment has: unknown method names
 * (listing the available ones), a method compared with itself, a classifier or amount the
 * experiment does not run. The config schema reports these as config errors.
 */
export function comparisonRequestProblems(
  requests: readonly ComparisonRequest[],
  experiment: { methods: readonly string[]; classifiers: readonly string[]; amounts: readonly string[] },
): ComparisonProblem[] {
  const problems: ComparisonProblem[] = [];
  const list = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');
  requests.forEach((r, i) => {
    for (const side of ['a', 'b'] as const) {
      if (!experiment.methods.includes(r[side])) {
        problems.push({ path: ['comparisons', i, side], message: `"${r[side]}" is not a method of this experiment (available: ${list(experiment.methods)})` });
      }
    }
    if (r.a === r.b) problems.push({ path: ['comparisons', i, 'b'], message: `compares "${r.a}" with itself: name two different methods` });
    if (r.classifier !== undefined && !experiment.classifiers.includes(r.classifier)) {
      problems.push({ path: ['comparisons', i, 'classifier'], message: `"${r.classifier}" is not a classifier of this experiment (available: ${list(experiment.classifiers)})` });
    }
    if (r.amount !== undefined && !experiment.amounts.includes(r.amount)) {
      problems.push({ path: ['comparisons', i, 'amount'], message: `"${r.amount}" is not an amount of this experiment (available: ${list(experiment.amounts)})` });
    }
  });
  return problems;
}

/**
 * The comparisons of an experiment. Primary: the declared ones, each expanded over classifiers
 * and amounts; without declarations, every augmented cell against the no-augmentation cell of its
 * classifier (and `preDeclared` is false). Exploratory: every augmented cell against the
 * no-augmentation cell of its classifier that is not already primary. A pair of cells is compared
 * once: a later declaration of the same pair (in either order) is dropped.
 * Throws an InputError listing every problem of the declarations (see comparisonRequestProblems).
 */
export function planComparisons(cells: readonly ComparableCell[], requests?: readonly ComparisonRequest[]): ComparisonPlan {
  const classifiers = unique(cells.map((c) => c.classifier));
  const baselineOf = new Map<string, ComparableCell>();
  for (const c of cells) if (!isAugmented(c) && !baselineOf.has(c.classifier)) baselineOf.set(c.classifier, c);
  const comparisons: PlannedComparison[] = [];
  const seen = new Set<string>();
  const add = (role: ComparisonRole, a: ComparableCell, b: ComparableCell, amount: string | undefined) => {
    const pair = [a.id, b.id].sort().join('\n');
    if (seen.has(pair)) return;
    seen.add(pair);
    comparisons.push({
      id: `${a.method}_vs_${b.method}/${a.classifier}${amount !== undefined ? `/${amount}` : ''}`,
      role, a: a.method, b: b.method, classifier: a.classifier, ...(amount !== undefined ? { amount } : {}), cellA: a.id, cellB: b.id,
    });
  };
  const versusBaseline = (role: ComparisonRole) => {
    for (const c of cells.filter(isAugmented)) {
      const baseline = baselineOf.get(c.classifier);
      if (baseline) add(role, c, baseline, c.amount);
    }
  };

  if (requests) {
    const problems = comparisonRequestProblems(requests, {
      methods: unique(cells.map((c) => c.method)), classifiers, amounts: unique(cells.filter(isAugmented).map((c) => c.amount)),
    });
    if (problems.length > 0) throw new InputError({ field: 'comparisons', reason: problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '), fix: 'name methods, classifiers and amounts of the experiment' });
    for (const r of requests) {
      for (const classifier of r.classifier !== undefined ? [r.classifier] : classifiers) {
        const sideA = cells.filter((c) => c.method === r.a && c.classifier === classifier);
        const sideB = cells.filter((c) => c.method === r.b && c.classifier === classifier);
        for (const a of sideA) {
          for (const b of sideB) {
            const amountA = isAugmented(a) ? a.amount : undefined;
            const amountB = isAugmented(b) ? b.amount : undefined;
            if (amountA !== undefined && amountB !== undefined && amountA !== amountB) continue;
            const amount = amountA ?? amountB;
            if (r.amount !== undefined && amount !== r.amount) continue;
            add('primary', a, b, amount);
          }
        }
      }
    }
  } else {
    versusBaseline('primary');
  }
  versusBaseline('exploratory');
  return { preDeclared: requests !== undefined, comparisons };
}

/**
 * The paired difference of two sets of per-fold scores, a − b, folds paired by name: what every
 * comparison reports, between two cells of an experiment (compareCells) or one cell of two
 * experiments on the same folds (report/experiment-pair.ts).
 */
export interface PairedFoldDifference {
  /** Folds present in both (paired by fold name). */
  folds: number;
  /** Median over folds of (fold UAR of a - fold UAR of b); fractions, not percent. */
  deltaMedian: number;
  /** Percentile-bootstrap interval of deltaMedian, resampling folds. */
  ci: { low: number; high: number };
  /** Mean over folds of the same differences. */
  deltaMean: number;
  wPlus: number;
  wMinus: number;
  /** Folds with equal UARs, dropped by the Wilcoxon test. */
  zeros: number;
  /** Matched-pairs rank-biserial correlation, positive when a is better; null when no fold differs. */
  rankBiserial: number | null;
  /** Exact two-sided Wilcoxon signed-rank p. */
  pRaw: number;
}

/**
 * a − b over the folds both have: median with its percentile-bootstrap interval (resampling the
 * folds, seeded by `seed`), mean, and the exact Wilcoxon signed-rank test. Undefined when no fold
 * is in both.
 */
export function pairedFoldDifference(
  a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, options: { seed: number; resamples?: number; level?: number },
): PairedFoldDifference | undefined {
  const folds = Object.keys(a).filter((f) => b[f] !== undefined).sort();
  if (folds.length === 0) return undefined;
  const x = folds.map((f) => a[f] as number);
  const y = folds.map((f) => b[f] as number);
  const differences = x.map((v, i) => v - (y[i] as number));
  const test = wilcoxonSignedRank(x, y);
  const interval = bootstrapMedianInterval(differences, {
    seed: options.seed, resamples: options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES, level: options.level ?? DEFAULT_CONFIDENCE_LEVEL,
  });
  return {
    folds: folds.length, deltaMedian: interval.estimate, ci: { low: interval.low, high: interval.high },
    deltaMean: differences.reduce((s, d) => s + d, 0) / differences.length,
    wPlus: test.wPlus, wMinus: test.wMinus, zeros: test.zeros, rankBiserial: test.rankBiserial, pRaw: test.pValue,
  };
}

export interface ComparisonResult extends PlannedComparison, PairedFoldDifference {
  /** Holm-adjusted over the primary comparisons; null for exploratory ones. */
  pHolm: number | null;
  /** pHolm < alpha; null for exploratory ones (no claim is made about them). */
  significant: boolean | null;
}

export interface ExperimentComparisons {
  preDeclared: boolean;
  alpha: number;
  /** Folds of the design: distinct fold names over the cells' fold UARs. */
  folds: number;
  /** Size of Holm's family: the primary comparisons computed. */
  primaryCount: number;
  /** Smallest two-sided p the exact test can reach with `folds` folds: 2/2^folds. */
  smallestP: number;
  /** Smallest Holm-adjusted p over `primaryCount` comparisons: primaryCount * 2/2^folds. */
  smallestPHolm: number;
  bootstrap: { resamples: number; level: number };
  /** Primary first, then exploratory, each in plan order. */
  comparisons: ComparisonResult[];
  /** Planned comparisons that could not be computed (a cell without results), with why. */
  skipped: { id: string; role: ComparisonRole; reason: string }[];
}

export interface CompareCellsInput {
  cells: readonly ComparableCell[];
  /** Cell id -> fold name -> UAR of the fold (mean over repeats), as CellSummary.foldUar. */
  foldUar: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The config's declared comparisons; absent: the default family (not pre-declared). */
  requests?: readonly ComparisonRequest[] | undefined;
  /** The experiment's base seed (protocol.seed); each comparison's bootstrap derives its own from it and its id. */
  seed: number;
  /** Significance level of the Holm-adjusted p. Default 0.05. */
  alpha?: number;
  /** Bootstrap samples. Default 10,000. */
  resamples?: number;
  /** Interval coverage. Default 0.95. */
  level?: number;
}

export function compareCells(input: CompareCellsInput): ExperimentComparisons {
  const alpha = input.alpha ?? 0.05;
  const resamples = input.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = input.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const plan = planComparisons(input.cells, input.requests);
  const computed: ComparisonResult[] = [];
  const skipped: ExperimentComparisons['skipped'] = [];
  for (const planned of plan.comparisons) {
    const mine = input.foldUar[planned.cellA];
    const theirs = input.foldUar[planned.cellB];
    const paired = mine && theirs
      ? pairedFoldDifference(mine, theirs, { seed: deriveSeed(input.seed, 'comparison-bootstrap', planned.id), resamples, level })
      : undefined;
    if (!paired) {
      const missing = [!mine ? planned.cellA : undefined, !theirs ? planned.cellB : undefined].filter(Boolean);
      skipped.push({ id: planned.id, role: planned.role, reason: missing.length > 0 ? `no results for ${missing.join(' and ')}` : 'no fold in common' });
      continue;
    }
    computed.push({ ...planned, ...paired, pHolm: null, significant: null });
  }
  const primary = computed.filter((c) => c.role === 'primary');
  holmAdjust(primary.map((c) => c.pRaw)).forEach((p, i) => {
    const c = primary[i] as ComparisonResult;
    c.pHolm = p;
    c.significant = p < alpha;
  });
  const designFolds = new Set(Object.values(input.foldUar).flatMap((f) => Object.keys(f))).size;
  return {
    preDeclared: plan.preDeclared, alpha, folds: designFolds, primaryCount: primary.length,
    smallestP: smallestWilcoxonP(designFolds), smallestPHolm: smallestHolmP(designFolds, primary.length),
    bootstrap: { resamples, level },
    comparisons: [...primary, ...computed.filter((c) => c.role === 'exploratory')],
    skipped,
  };
}

// ---------------------------------------------------------------- rendering

const pct = (v: number): string => (100 * v).toFixed(2);
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${pct(v)}`;
/** p-values: 3 decimals, scientific below 0.001 (so that 2/2^10 = 0.00195 does not read 0.002). */
export const formatP = (p: number): string => (p < 0.001 ? p.toExponential(2) : p.toFixed(3));
const sigDigits = (p: number): string => (p < 0.01 ? p.toPrecision(3) : p.toFixed(3));

/**
 * The sentence stated above the comparisons: how the family was chosen and the smallest p the
 * design can reach, alone and after Holm, with the verdict when significance is unreachable.
 */
export function describeComparisonDesign(result: ExperimentComparisons): string {
  const m = result.primaryCount;
  const n = result.folds;
  const family = result.preDeclared
    ? `The ${m} primary comparison(s) were declared in the config (\`comparisons\`) before the run; Holm's adjustment runs over them only. ` +
      'Every other augmented cell is compared with no augmentation of the same classifier as exploratory: raw p only, no adjusted p and no claim of significance.'
    : `The comparisons were not pre-declared (the config has no \`comparisons\`): by default every augmented cell is a primary comparison with no augmentation of the same classifier, and Holm's adjustment runs over all ${m} of them.`;
  const product = m * result.smallestP > 1 ? `min(1, ${m} x ${sigDigits(result.smallestP)}) = 1` : `${m} x ${sigDigits(result.smallestP)} = ${sigDigits(result.smallestPHolm)}`;
  const reach = `With ${n} folds the smallest two-sided p the exact Wilcoxon signed-rank test can reach is 2/2^${n} = ${sigDigits(result.smallestP)}` +
    `, and ${product} after Holm over the ${m} primary comparison(s).`;
  const verdict = m > 0 && result.smallestPHolm >= result.alpha
    ? ` At alpha = ${result.alpha} no primary comparison can be significant after Holm, whatever the data: ${result.preDeclared ? 'declare fewer' : 'declare a few'} primary comparisons (\`comparisons\` in the config) or use more folds.`
    : '';
  return `${family} ${reach}${verdict}`;
}

/** How the columns are computed, stated below the comparisons. */
export function comparisonsNote(result: ExperimentComparisons): string {
  return (
    'Δ = fold UAR of a − fold UAR of b in percentage points (fold UAR: mean over repeats), folds paired by name. ' +
    `Δ median: median over folds, with its ${Math.round(100 * result.bootstrap.level)} % percentile-bootstrap interval ` +
    `(${result.bootstrap.resamples.toLocaleString('en-US')} resamples of the folds with replacement, seeded from protocol.seed and the comparison). ` +
    'Δ mean: mean over folds. p: exact two-sided Wilcoxon signed-rank test over the folds (folds with equal UARs dropped; n = folds compared). ' +
    `p (Holm): adjusted over the primary comparisons only; significant: p (Holm) < ${result.alpha}.`
  );
}

export const COMPARISON_HEADER = ['role', 'a', 'b', 'classifier', 'amount', 'n', 'Δ median (pp)', '95 % CI (pp)', 'Δ mean (pp)', 'p', 'p (Holm)', 'significant'];

/** The comparisons' cells as text, shared by the Markdown here and the report's HTML. */
export function comparisonDisplayRows(result: ExperimentComparisons): string[][] {
  return result.comparisons.map((c) => [
    c.role, c.a, c.b, c.classifier.toUpperCase(), c.amount ?? '-', String(c.folds),
    signed(c.deltaMedian), `[${signed(c.ci.low)}, ${signed(c.ci.high)}]`, signed(c.deltaMean),
    formatP(c.pRaw), c.pHolm === null ? '' : formatP(c.pHolm), c.significant === null ? '' : c.significant ? 'yes' : 'no',
  ]);
}

/** The comparisons as Markdown (comparisons.md on the parent run; the report's table1.md). */
export function renderComparisonsMarkdown(result: ExperimentComparisons): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [describeComparisonDesign(result), '', `| ${COMPARISON_HEADER.join(' | ')} |`, `|${COMPARISON_HEADER.map(() => '---').join('|')}|`];
  for (const row of comparisonDisplayRows(result)) lines.push(`| ${row.map(escape).join(' | ')} |`);
  lines.push('', comparisonsNote(result));
  if (result.skipped.length > 0) lines.push('', `Not computed: ${result.skipped.map((s) => `${s.id} (${s.role}: ${s.reason})`).join('; ')}.`);
  return `${lines.join('\n')}\n`;
}
