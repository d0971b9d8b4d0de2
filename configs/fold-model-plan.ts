/**
 * The plan of a fold's trained augmenters (fold models), written once for the fold's
 * planFoldModels activity and for `serflow run --plan`: per cycle-GAN loss, every fit set the
 * fold's evaluations will augment (compute/evaluate/fit-sets-of-evaluation.ts), the repeats that
 * use it and the uses that ask for it. It needs the labels and speakers of the fold's training
 * rows, not their features. Also here: each evaluation's seeds and selection settings, which the
 * evaluate activity and the plan must derive alike.
 */
import { fitSetsOfEvaluation } from '../compute/evaluate/fit-sets-of-evaluation';
import type { FoldEvaluationInput } from '../compute/evaluate';
import { everySpeaker, sameSpeakers } from '../compute/fold-models/fit-sets';
import { canonicalJson } from './canonical-json';
import { isFittedMethod, type FittedMethod } from '../compute/fold-models/fitted-kinds';
import type { LabelledSet } from '../compute/labelled-set';
import { deriveSeed } from '../compute/random';
import type { GanLoss } from '../foundation/gan-loss';
import type { Cell } from './experiment-plan';

/** A model a fold trains: the cycle-GAN loss, the speakers it is fitted on, the repeats whose evaluations use it. */
export interface PlannedFoldModel {
  loss: GanLoss;
  /** Absent: every outer-training speaker (the fit set of every GAN before fit sets, with the same memo key). */
  fitSpeakers?: string[];
  repeats: number[];
  /** The uses that ask for it, e.g. "cyclegan-wdiv/ratio-1/svm r0 inner split holdout-08", for the record. */
  uses: string[];
}

/**
 * The seed and selection settings of a cell's evaluation in a fold and repeat: the same seed for
 * every cell of a (fold, repeat), so methods are compared on equal classifier initialisations
 * and batch orders (common random numbers); inner grouped k-fold splits from the protocol seed
 * and the fold, the same for every cell and repeat. A cell with a selection protocol always runs
 * its inner CV: one that selects nothing is validated over its single candidate
 * (experiment-plan.ts PlanOptions.validate).
 */
export function evaluationSettings(baseSeed: number, cell: Cell, foldName: string, repeat: number): Pick<FoldEvaluationInput, 'seed' | 'selection' | 'selectionSeed' | 'validate'> {
  return {
    seed: deriveSeed(baseSeed, 'evaluation', foldName, repeat),
    ...(cell.selection ? { selection: cell.selection, selectionSeed: deriveSeed(baseSeed, 'selection', foldName), validate: true } : {}),
  };
}

export interface FoldRowsForPlan {
  /** The fold's name (its seeds derive from it). */
  name: string;
  /** The outer training rows' labels (features unused: `x` may be empty), and their speakers. */
  train: LabelledSet;
  trainSpeakers: readonly string[];
}

/**
 * A model of a kind that fits in one call (compute/fold-models/fitted-kinds.ts), per repeat: its
 * method and options (the method's spec less method and amount), its fit set, the cells that use it.
 */
export interface PlannedFittedModel {
  method: FittedMethod;
  options: Record<string, unknown>;
  fitSpeakers?: string[];
  repeat: number;
  /** Ids of the cells whose evaluations of this repeat use it. */
  cells: string[];
}

/** Each evaluation of a cell and repeat, with the fit sets it asks for. */
function* plannedUses(cells: readonly Cell[], repeats: number, baseSeed: number, fold: FoldRowsForPlan, keep: (cell: Cell) => boolean) {
  for (const cell of cells) {
    if (!keep(cell)) continue;
    for (let repeat = 0; repeat < repeats; repeat++) {
      const settings = evaluationSettings(baseSeed, cell, fold.name, repeat);
      const fitSets = fitSetsOfEvaluation({ ...settings, train: fold.train, trainSpeakers: fold.trainSpeakers, augmentation: cell.augmentation, classifier: cell.classifierSpec });
      yield { cell, repeat, fitSets };
    }
  }
}

/** The fitted-kind models of a fold: one per (method and options, fit set, repeat), in the order first asked for. */
export function planFittedModels(cells: readonly Cell[], repeats: number, baseSeed: number, fold: FoldRowsForPlan): PlannedFittedModel[] {
  const all = everySpeaker(fold.trainSpeakers);
  const models: PlannedFittedModel[] = [];
  for (const { cell, repeat, fitSets } of plannedUses(cells, repeats, baseSeed, fold, (c) => isFittedMethod(c.augmentation.method))) {
    const { method, amount: _amount, ...options } = cell.augmentation as { method: FittedMethod; amount?: unknown };
    for (const planned of fitSets) {
      const same = models.find((m) => m.method === method && m.repeat === repeat && canonicalJson(m.options) === canonicalJson(options) && sameSpeakers(m.fitSpeakers ?? all, planned.speakers));
      if (same) {
        if (!same.cells.includes(cell.id)) same.cells.push(cell.id);
      } else {
        models.push({ method, options, ...(sameSpeakers(planned.speakers, all) ? {} : { fitSpeakers: planned.speakers }), repeat, cells: [cell.id] });
      }
    }
  }
  return models;
}

/** The cycle-GAN models, per loss (sorted), the fit set of every speaker first, then the others in the order first asked for. */
export function planFoldModels(cells: readonly Cell[], repeats: number, baseSeed: number, fold: FoldRowsForPlan): PlannedFoldModel[] {
  const all = everySpeaker(fold.trainSpeakers);
  const models: PlannedFoldModel[] = [];
  for (const { cell, repeat, fitSets } of plannedUses(cells, repeats, baseSeed, fold, (c) => c.augmentation.method === 'cyclegan')) {
    if (cell.augmentation.method !== 'cyclegan') continue;
    const loss = cell.augmentation.loss;
    for (const planned of fitSets) {
      const use = `${cell.id} r${repeat} ${planned.use}`;
      const same = models.find((m) => m.loss === loss && sameSpeakers(m.fitSpeakers ?? all, planned.speakers));
      if (same) {
        if (!same.repeats.includes(repeat)) same.repeats.push(repeat);
        same.uses.push(use);
      } else {
        models.push({ loss, ...(sameSpeakers(planned.speakers, all) ? {} : { fitSpeakers: planned.speakers }), repeats: [repeat], uses: [use] });
      }
    }
  }
  // Stable sort: losses in order (as GAN trainings were always scheduled), the every-speaker fit set first.
  models.sort((a, b) => (a.loss < b.loss ? -1 : a.loss > b.loss ? 1 : (a.fitSpeakers ? 1 : 0) - (b.fitSpeakers ? 1 : 0)));
  for (const m of models) m.repeats.sort((a, b) => a - b);
  return models;
}
