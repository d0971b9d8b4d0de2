/**
 * Fits a fold's trained augmenters of the kinds that fit in one call (compute/fold-models/
 * fitted-kinds.ts: the class-conditional Gaussian mixture), any group of them in one activity:
 * each member on its fit set's rows only, from the seed its kind's policy gives, memoised by its
 * inputs and its kind's own memo version, stored by content hash. An adapter: the fitting, the
 * seed policy and the versions are compute's.
 */
import { Context } from '@temporalio/activity';
import { fitSetRows } from '../compute/fold-models/fit-sets';
import { FITTED_KINDS, fittedModelSeed, type FittedMethod } from '../compute/fold-models/fitted-kinds';
import { selectRows } from '../compute/labelled-set';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { loadFoldSets } from '../store/fold-store';
import { memoised } from './memo';

export interface FittedModelMember {
  method: FittedMethod;
  /** The method's spec less method and amount, e.g. the mixture's components and covariance. */
  options: Record<string, unknown>;
  /** Absent: every outer-training speaker. */
  fitSpeakers?: string[];
  repeat: number;
}

export interface TrainFittedModelsInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  baseSeed: number;
  members: FittedModelMember[];
}

export interface FittedModelResult {
  /** The model's bytes in the store. */
  key: string;
  memoHit: boolean;
}

export function createFoldModelActivities(deps: ActivityDeps) {
  return {
    /** One result per member, in the members' order. */
    async trainFittedModels(input: TrainFittedModelsInput): Promise<FittedModelResult[]> {
      return withFailureMapping(async () => {
        const ctx = Context.current();
        const results: FittedModelResult[] = [];
        for (const member of input.members) {
          const { members: _members, ...fold } = input;
          const kind = FITTED_KINDS[member.method];
          const memo = await memoised(deps.store, 'foldModel', { ...fold, member, kindVersion: kind.memoVersion }, async () => {
            const sets = await loadFoldSets(deps.store, input);
            const rows = member.fitSpeakers ? selectRows(sets.train, fitSetRows(sets.trainSpeakers, member.fitSpeakers)) : sets.train;
            const seed = fittedModelSeed(member.method, { baseSeed: input.baseSeed, foldName: sets.fold.name, ...(member.fitSpeakers ? { fitSpeakers: member.fitSpeakers } : {}), repeat: member.repeat });
            return { key: await deps.store.put(kind.fit(rows, member.options, seed), { label: `fold-model-${member.method}` }) };
          }, { references: (v) => [v.key] });
          results.push({ key: memo.value.key, memoHit: memo.memoHit });
          ctx.heartbeat({ done: results.length, of: input.members.length });
        }
        return results;
      });
    },
  };
}
