/**
 * The Optuna sampler and pruner kinds serflow offers, read from the one list both sides use:
 * foundation/optuna-kinds.json. The sweep schema (configs/schema/sweep.ts) accepts these names,
 * the study client (tracking/optuna/optuna-studies.ts) sends them, and the Python side
 * (tracking/optuna/optuna_study.py) reads the same file and refuses to start when its builders
 * do not cover exactly these names. Adding a kind: its name here, its builder there.
 *
 * On the ground floor, as the GAN loss names are (foundation/gan-loss.ts): the config schema and
 * the tracking client both name them, and neither may import the other.
 */
import kinds from './optuna-kinds.json';

type NonEmpty = readonly [string, ...string[]];

function nonEmpty(names: readonly string[], what: string): NonEmpty {
  if (names.length === 0) throw new Error(`foundation/optuna-kinds.json lists no ${what}`);
  return names as unknown as NonEmpty;
}

/** Optuna samplers by serflow's name (tpe, cmaes, gp, random, qmc, nsga2). */
export const OPTUNA_SAMPLERS: NonEmpty = nonEmpty(kinds.samplers, 'samplers');
/** The samplers that draw `startupTrials` at random before they model the trials told. */
export const OPTUNA_SAMPLERS_WITH_STARTUP_TRIALS: readonly string[] = kinds.samplersWithStartupTrials;
/** Optuna pruners by serflow's name (median, hyperband, successive-halving, none). */
export const OPTUNA_PRUNERS: NonEmpty = nonEmpty(kinds.pruners, 'pruners');

/** A sampler's name; the schema accepts only OPTUNA_SAMPLERS' names. */
export type SamplerKind = string;
/** A pruner's name; the schema accepts only OPTUNA_PRUNERS' names. */
export type PrunerKind = string;
