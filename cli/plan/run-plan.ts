/**
 * The plan of `serflow run --plan`: what an experiment would run, derived with the functions the
 * run itself uses, without the stack and without features. The corpus entries' labels and
 * speakers (activities/corpus-source.ts; a `table` extractor's table is read for its rows), the
 * folds (compute/folds/build-folds.ts), the cells (configs/experiment-plan.ts) and every fold's
 * models (configs/fold-model-plan.ts, as the fold's planFoldModels activity calls it), and the
 * work they add up to: GAN iterations per training, classifier fits and their rows
 * (cli/plan/plan-calibration.ts turns that into a time).
 *
 * The folds are built on the corpus entries in the order listed; the run builds them on the
 * feature matrix's rows, which are the same rows in the same order unless extraction skips
 * files (`features.onError: skip`).
 */
import { additionsPerClass, classCounts } from '../../compute/augment/amount';
import { augmentationSpecSchema } from '../../compute/augment/augmentation-spec';
import { classifierSearchSpecSchema, earlyStoppingOf, selectedFields, type ClassifierKind } from '../../compute/classify/classifier-spec';
import { STANDARD_FEATURE_SETS } from '../../compute/features/opensmile';
import { importFeatureTable } from '../../compute/features/table-import';
import { fitSetRows } from '../../compute/fold-models/fit-sets';
import { fitRowsOf } from '../../compute/evaluate/fit-rows';
import { buildFolds } from '../../compute/folds/build-folds';
import type { FoldRow } from '../../compute/folds/fold-definition';
import { selectRows, type LabelledSet } from '../../compute/labelled-set';
import { deriveSeed } from '../../compute/random';
import { candidateGrid, type Candidate } from '../../compute/select/candidate-grid';
import { selectionSplits } from '../../compute/select/inner-splits';
import { selectionProtocolSchema, type SelectionProtocol } from '../../compute/select/selection-protocol';
import { planCells, type Cell } from '../../configs/experiment-plan';
import { evaluationSettings, planFoldModels, type PlannedFoldModel } from '../../configs/fold-model-plan';
import { loadExperimentConfig, type LoadedExperiment } from '../../configs/load/experiment-config';
import type { ExperimentConfig } from '../../configs/schema/experiment';
import type { GanLoss } from '../../foundation/gan-loss';
import { corpusEntries, resolveConfigPath } from '../../activities/corpus-source';
import { InputError } from '../../foundation/errors';

/** A GAN training activity of a fold: one model trained alone, or a model's repeats trained as one group. */
export interface PlannedGanActivity {
  fold: string;
  loss: GanLoss;
  /** Absent: every outer-training speaker. */
  fitSpeakers?: string[];
  /** The repeats trained in this activity (empty when one GAN is shared by every repeat). */
  repeats: number[];
  /** GANs trained in the activity: 1 alone, the repeats' count in a group. */
  members: number;
  /** The rows of the fit set, its smallest class, and what the trainer makes of them (compute/cyclegan/trainer.ts createGroup). */
  rows: number;
  smallestClass: number;
  batch: number;
  iterationsPerEpoch: number;
}

/** One classifier fit (or a grid's fits on one training set) an evaluation makes. */
export interface PlannedFit {
  classifier: ClassifierKind;
  /** Training rows after the early-stopping hold-out and the augmentation. */
  rows: number;
  /** Candidates fitted on these rows: the grid on an inner split, 1 for the refit. */
  candidates: number;
}

export interface FoldPlan {
  name: string;
  testSpeakers: string[];
  trainRows: number;
  testRows: number;
  /** The outer training part's speakers (sorted) and rows per class (the every-speaker fit set). */
  trainSpeakers: string[];
  classCounts: number[];
  models: PlannedFoldModel[];
  gans: PlannedGanActivity[];
}

export interface RunPlan {
  file: string;
  name: string;
  repeats: number;
  cells: Cell[];
  folds: FoldPlan[];
  /** Classes (sorted) and their rows in the whole corpus. */
  classes: string[];
  /** The feature dimension: the standard openSMILE set's width, the table's columns, or `--dim`; absent when unknown. */
  dim?: number;
  gan: ExperimentConfig['gan'];
  /** Every classifier fit of every evaluation, for the estimate. */
  fits: PlannedFit[];
  /** Per selecting cell, the inner splits of each of its evaluations. */
  innerSplits: Record<string, number[]>;
}

export interface PlanOptions {
  /** The feature dimension, for a custom openSMILE config (or to override the known width). */
  dim?: number;
  /** The config as loaded already (configs/load/experiment-config.ts); loaded from `file` when absent. */
  loaded?: LoadedExperiment;
}

export async function planRun(file: string, options: PlanOptions = {}): Promise<RunPlan> {
  // The same loader as `serflow run`: the same errors, the same exit code (2) on a bad config.
  const { config, configDir } = options.loaded ?? loadExperimentConfig(file);
  const { rows, tableDim } = await rowsOfCorpus(config, configDir);
  if (rows.length === 0) throw new InputError({ file: config.corpus.path, reason: 'the corpus has no utterances with the selected labels', fix: 'check the path and the label list' });
  const { folds: spec, seed, maxFolds, excludeSpeakers } = config.protocol;
  const folds = buildFolds(rows, spec, { seed, maxFolds, excludeSpeakers });
  const classes = [...new Set(rows.map((r) => r.label))].sort();
  const cells = planCells(config);
  const repeats = config.protocol.repeats;
  const perRepeat = config.gan.shareAcrossRepeats === false;
  const fits: PlannedFit[] = [];
  const innerSplits: Record<string, number[]> = {};
  const foldPlans = folds.map((fold): FoldPlan => {
    // Labels and speakers only: nothing on the planning path reads `x` (compute/evaluate/fit-sets-of-evaluation.ts).
    const train: LabelledSet = {
      rows: fold.trainIndices.length, cols: 0, x: new Float32Array(0),
      y: Int32Array.from(fold.trainIndices, (i) => classes.indexOf((rows[i] as FoldRow).label)), classes,
    };
    const trainSpeakers = fold.trainIndices.map((i) => (rows[i] as FoldRow).speaker);
    const models = planFoldModels(cells, repeats, seed, { name: fold.name, train, trainSpeakers });
    const gans = models.flatMap((m) => ganActivities(fold.name, m, train, trainSpeakers, config.gan.batchSize, perRepeat));
    for (const cell of cells) {
      for (let r = 0; r < repeats; r++) {
        const evaluation = fitsOfEvaluation(cell, seed, fold.name, r, train, trainSpeakers);
        fits.push(...evaluation.fits);
        if (cell.selection) (innerSplits[cell.id] ??= []).push(evaluation.innerSplits);
      }
    }
    return {
      name: fold.name, testSpeakers: fold.testSpeakers, trainRows: fold.trainIndices.length, testRows: fold.testIndices.length,
      trainSpeakers: [...new Set(trainSpeakers)].sort(), classCounts: classCounts(train), models, gans,
    };
  });
  const dim = options.dim ?? tableDim ?? (config.features.extractor === 'opensmile' ? knownDimension(config.features.set) : undefined);
  return { file, name: config.name, repeats, cells, folds: foldPlans, classes, ...(dim ? { dim } : {}), gan: config.gan, fits, innerSplits };
}

/** Labels and speakers of every row the run would have; a feature table is read for its rows (and width). */
async function rowsOfCorpus(config: ExperimentConfig, configDir: string): Promise<{ rows: FoldRow[]; tableDim?: number }> {
  const entries = await corpusEntries(config.corpus, configDir);
  if (config.features.extractor === 'table') {
    const matrix = await importFeatureTable(resolveConfigPath(config.features.path, configDir), { corpus: entries });
    return { rows: matrix.meta.map((m) => ({ label: m.label, speaker: m.speaker })), tableDim: matrix.cols };
  }
  return { rows: entries.map((e) => ({ label: e.label, speaker: e.speaker })) };
}

function knownDimension(set: string): number | undefined {
  return set in STANDARD_FEATURE_SETS ? STANDARD_FEATURE_SETS[set as keyof typeof STANDARD_FEATURE_SETS].dimension : undefined;
}

/**
 * The training activities of one planned model, as workflows/fold.ts runFoldWithFitSets
 * schedules them: per repeat that uses it (a group when there are several), or one shared
 * training when `gan.shareAcrossRepeats` is true.
 */
function ganActivities(fold: string, m: PlannedFoldModel, train: LabelledSet, speakers: readonly string[], batchSize: number, perRepeat: boolean): PlannedGanActivity[] {
  const fitRows = m.fitSpeakers ? fitSetRows(speakers, m.fitSpeakers) : [...train.y.keys()];
  const counts = classCounts(selectRows(train, fitRows)).filter((c) => c > 0);
  const smallestClass = Math.min(fitRows.length, ...counts);
  const batch = Math.min(batchSize, smallestClass);
  const base = {
    fold, loss: m.loss, ...(m.fitSpeakers ? { fitSpeakers: m.fitSpeakers } : {}),
    rows: fitRows.length, smallestClass, batch, iterationsPerEpoch: Math.ceil(fitRows.length / batch),
  };
  if (!perRepeat) return [{ ...base, repeats: [], members: 1 }];
  if (m.repeats.length > 1) return [{ ...base, repeats: [...m.repeats], members: m.repeats.length }];
  return m.repeats.map((r) => ({ ...base, repeats: [r], members: 1 }));
}

/**
 * The fits of one evaluation, walked as evaluateFold walks them: the refit of the chosen
 * candidate on the rows left after the early-stopping hold-out, plus the grid on every inner
 * split of a cell that selects (or validates); each on its rows plus the augmentation's.
 */
function fitsOfEvaluation(cell: Cell, baseSeed: number, foldName: string, repeat: number, train: LabelledSet, speakers: readonly string[]): { fits: PlannedFit[]; innerSplits: number } {
  const settings = evaluationSettings(baseSeed, cell, foldName, repeat);
  const search = classifierSearchSpecSchema.parse(cell.classifierSpec);
  const grid = candidateGrid(search);
  const earlyStopping = earlyStoppingOf((grid[0] as Candidate).spec);
  const a = augmentationSpecSchema.parse(cell.augmentation);
  const augmented = (set: LabelledSet): number => set.rows + (a.method === 'none' ? 0 : additionsPerClass(set, a.amount).reduce((s, n) => s + n, 0));
  const fits: PlannedFit[] = [];
  let innerSplits = 0;
  const refit = fitRowsOf({ rows: train.rows, speakers, seed: settings.seed, ...(earlyStopping ? { earlyStopping } : {}) });
  fits.push({ classifier: cell.classifier, rows: augmented(selectRows(train, refit.fitRows)), candidates: 1 });
  if (selectedFields(search).length > 0 || settings.validate === true) {
    const protocol: SelectionProtocol = selectionProtocolSchema.parse(settings.selection ?? {});
    const foldsSeed = settings.selectionSeed ?? deriveSeed(settings.seed, 'selection-folds');
    for (const split of selectionSplits({ real: train, speakers, seed: settings.seed, protocol, foldsSeed })) {
      const splitSpeakers = split.trainRows.map((r) => speakers[r] as string);
      const inner = fitRowsOf({ rows: split.trainRows.length, speakers: splitSpeakers, seed: split.seed, ...(earlyStopping ? { earlyStopping } : {}) });
      fits.push({ classifier: cell.classifier, rows: augmented(selectRows(train, inner.fitRows.map((i) => split.trainRows[i] as number))), candidates: grid.length });
      innerSplits++;
    }
  }
  return { fits, innerSplits };
}

/** The totals the plan prints. */
export interface PlanTotals {
  folds: number;
  cells: number;
  repeats: number;
  evaluations: number;
  /** GAN trainings (one per GAN, a group's members counted each), and as activities. */
  ganTrainings: { total: number; inGroups: number; alone: number; groupActivities: number; perLoss: Record<string, { total: number; inGroups: number; alone: number }> };
  /** Epochs over every GAN training: (pretrainEpochs + epochs) per training. */
  ganEpochs: number;
  /** Inner splits per selecting evaluation (min-max), and the selecting cells with their protocol. */
  selection: { cells: string[]; protocol?: SelectionProtocol; fields: Record<string, number[]>; innerSplits?: [number, number] }[];
}

export function planTotals(plan: RunPlan): PlanTotals {
  const per: PlanTotals['ganTrainings']['perLoss'] = {};
  let inGroups = 0;
  let alone = 0;
  let groupActivities = 0;
  for (const fold of plan.folds) {
    for (const g of fold.gans) {
      const loss = (per[g.loss] ??= { total: 0, inGroups: 0, alone: 0 });
      loss.total += g.members;
      if (g.members > 1) {
        loss.inGroups += g.members;
        inGroups += g.members;
        groupActivities++;
      } else {
        loss.alone++;
        alone++;
      }
    }
  }
  const total = inGroups + alone;
  return {
    folds: plan.folds.length, cells: plan.cells.length, repeats: plan.repeats,
    evaluations: plan.folds.length * plan.cells.length * plan.repeats,
    ganTrainings: { total, inGroups, alone, groupActivities, perLoss: per },
    ganEpochs: total * (plan.gan.pretrainEpochs + plan.gan.epochs),
    selection: selectionGroups(plan),
  };
}

/** Selecting cells grouped by classifier: which fields they select over which values, on how many inner splits. */
function selectionGroups(plan: RunPlan): PlanTotals['selection'] {
  const groups = new Map<ClassifierKind, PlanTotals['selection'][number]>();
  for (const cell of plan.cells) {
    if (!cell.selection) continue;
    const search = classifierSearchSpecSchema.parse(cell.classifierSpec) as Record<string, unknown>;
    const fields = Object.fromEntries(selectedFields(search).map((f) => [f, (search[f] as { select: number[] }).select]));
    const group = groups.get(cell.classifier) ?? { cells: [], protocol: cell.selection, fields };
    group.cells.push(cell.id);
    const splits = plan.innerSplits[cell.id] ?? [];
    if (splits.length > 0) {
      const [lo, hi] = group.innerSplits ?? [Infinity, -Infinity];
      group.innerSplits = [Math.min(lo, ...splits), Math.max(hi, ...splits)];
    }
    groups.set(cell.classifier, group);
  }
  return [...groups.values()];
}
