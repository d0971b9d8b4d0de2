/**
 * The folds an experiment's protocol asks for: the kind (leave-one-speaker-out, speaker-grouped
 * k-fold, a stratified hold-out split), its seed and the fold budget, in one place for every
 * caller. The schema of the folds spec lives here, beside the builders it dispatches to; the
 * config schema uses it.
 */
import { z } from 'zod';
import { deriveSeed } from '../random';
import type { FoldDefinition, FoldRow } from './fold-definition';
import { foldsWithoutSpeakers } from './excluded-speakers';
import { fixedSpeakersFold } from './fixed-speakers';
import { groupedKFold } from './grouped-k-fold';
import { leaveOneSpeakerOut } from './leave-one-speaker-out';
import { stratifiedSplit } from './stratified-split';

/** Leave-one-speaker-out. */
export const losoFoldsSchema = z.strictObject({ kind: z.literal('loso') });
/** Speaker-grouped k-fold. */
export const groupedKFoldSchema = z.strictObject({ kind: z.literal('grouped-kfold'), k: z.number().int().min(2).max(100) });

export const foldsSpecSchema = z.discriminatedUnion('kind', [
  losoFoldsSchema,
  groupedKFoldSchema,
  z.strictObject({ kind: z.literal('stratified'), testFraction: z.number().gt(0).lt(1) }),
  /** One fold testing on the named speakers, training on every other (a sweep's final run on its held-out speakers). */
  z.strictObject({ kind: z.literal('fixed'), testSpeakers: z.array(z.string().min(1)).min(1) }),
]);

/** The speaker-independent kinds (model selection's inner splits are grouped by speaker). */
export const speakerGroupedFoldsSchema = z.discriminatedUnion('kind', [losoFoldsSchema, groupedKFoldSchema]);
export type FoldsSpec = z.infer<typeof foldsSpecSchema>;

export interface BuildFoldsOptions {
  /** The protocol's base seed; the seeded kinds draw from deriveSeed(seed, 'folds'). */
  seed: number;
  /** Keep only the first N folds (small budgets); all when absent. */
  maxFolds?: number;
  /** Speakers whose rows no fold may hold (protocol.excludeSpeakers): dropped before the folds are built. */
  excludeSpeakers?: readonly string[];
}

/** The folds over `rows` (a feature matrix's meta), in the builders' order, cut to maxFolds. */
export function buildFolds(rows: readonly FoldRow[], spec: FoldsSpec, options: BuildFoldsOptions): FoldDefinition[] {
  if (options.excludeSpeakers?.length) return foldsWithoutSpeakers(rows, options.excludeSpeakers, (kept) => buildFolds(kept, spec, { ...options, excludeSpeakers: [] }));
  let folds: FoldDefinition[];
  switch (spec.kind) {
    case 'loso':
      folds = leaveOneSpeakerOut(rows);
      break;
    case 'grouped-kfold':
      folds = groupedKFold(rows, { k: spec.k, seed: deriveSeed(options.seed, 'folds') });
      break;
    case 'stratified':
      folds = [stratifiedSplit(rows, { testFraction: spec.testFraction, seed: deriveSeed(options.seed, 'folds') })];
      break;
    case 'fixed':
      folds = [fixedSpeakersFold(rows, spec.testSpeakers)];
      break;
  }
  return options.maxFolds ? folds.slice(0, options.maxFolds) : folds;
}
