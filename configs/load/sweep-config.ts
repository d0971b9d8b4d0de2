/**
 * Expands a sweep into its experiment configs: every point of the search space is written into
 * a copy of the base config at its dotted path, and the result is validated as an experiment,
 * so a bad point names both the sweep field and the experiment field it produced. An optuna
 * search has no points up front (its sampler draws them as trials finish): its space is checked
 * on a few seeded draws, and its objective cells against the base experiment's plan.
 *
 * A sweep with `search.holdout` is loaded in two steps: loadSweepConfig, then applyHoldout with
 * the speakers of the base corpus (read by the launcher, cli/commands/sweep-command.ts), which resolves
 * the held-out speakers and writes them into the base as `protocol.excludeSpeakers`, so that
 * every trial's experiment carries them. The launch inputs refuse a sweep whose holdout was not
 * applied (requireHoldoutApplied).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../../foundation/errors';
import { speakerHoldout } from '../../compute/folds/speaker-holdout';
import { deriveSeed, Rng } from '../../compute/random';
import { hashOf } from '../canonical-json';
import { planCells } from '../experiment-plan';
import { experimentSchema, type ExperimentConfig } from '../schema/experiment';
import { conditionHolds, sweepSchema, type Distribution, type SweepConfig, type SweepHoldout } from '../schema/sweep';
import { formatZodError } from './format-zod-error';
import { loadYaml } from './load-yaml';

export interface SweepPoint {
  /** The values of this point, by dotted path. */
  values: Record<string, unknown>;
  config: ExperimentConfig;
  configHash: string;
}

export interface LoadedSweep {
  sweep: SweepConfig;
  /** Absolute folder of the base config (relative corpus paths resolve against it). */
  configDir: string;
  points: SweepPoint[];
  /** Identity of the sweep: the hash of all its expanded configs (an optuna search's: of its base, search and objective). */
  sweepHash: string;
  /** The base config as written, with the held-out speakers once applied (an optuna trial's config is this with the trial's values: pointConfig). */
  base: Record<string, unknown>;
  /** The first point's config as parsed (an optuna sweep's: its first check draw); its corpus is every trial's. */
  baseConfig: ExperimentConfig;
  /** The sweep file and the base config file, absolute. */
  files: { sweep: string; base: string };
  /** The held-out speakers, sorted, once applyHoldout resolved `search.holdout`; absent before, and for a sweep without one. */
  heldOut?: string[];
}

export function gridSize(space: Record<string, unknown[]>): number {
  return Object.values(space).reduce((n, values) => n * values.length, 1);
}

function gridPoints(space: Record<string, unknown[]>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [path, values] of Object.entries(space)) points = points.flatMap((p) => values.map((v) => ({ ...p, [path]: v })));
  return points;
}

/** One point of a space, drawn in the space's order; a conditional parameter only when its condition holds. */
function drawPoint(space: Record<string, Distribution>, rng: Rng): Record<string, unknown> {
  const point: Record<string, unknown> = {};
  for (const [path, d] of Object.entries(space)) {
    if (conditionHolds(d.when, point)) point[path] = draw(d, rng);
  }
  return point;
}

function draw(d: Distribution, rng: Rng): unknown {
  if ('choice' in d) return d.choice[rng.int(d.choice.length)];
  if ('uniform' in d) return d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]);
  if ('logUniform' in d) return Math.exp(Math.log(d.logUniform[0]) + rng.next() * (Math.log(d.logUniform[1]) - Math.log(d.logUniform[0])));
  return d.intUniform[0] + rng.int(d.intUniform[1] - d.intUniform[0] + 1);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new InputError({ field: `search.space.${path}`, reason: `"${key}" is not an object in the base config`, fix: 'address a field inside an object block such as gan, noise, svm, dnn, protocol' });
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = structuredClone(value);
}

export function loadSweepConfig(file: string): LoadedSweep {
  const sweepFile = resolve(file);
  const sweep = loadYaml(sweepFile, sweepSchema);
  const baseFile = resolve(dirname(sweepFile), sweep.base);
  let base: unknown;
  try {
    base = parse(readFileSync(baseFile, 'utf8'));
  } catch (err) {
    throw new InputError({ file: sweepFile, field: 'base', reason: `cannot read the base config ${baseFile} (${(err as Error).message.split('\n')[0]})`, fix: 'give a path relative to the sweep file' });
  }
  const size = sweep.search.kind === 'grid' ? gridSize(sweep.search.space) : sweep.search.trials;
  if (size > sweep.maxConfigurations) {
    throw new InputError({
      file: sweepFile, field: 'search', reason: `the sweep has ${size} configurations, more than maxConfigurations (${sweep.maxConfigurations})`,
      fix: 'narrow the search space, or raise maxConfigurations if you mean it', expected: `<= ${sweep.maxConfigurations}`, actual: size,
    });
  }
  return expandSweep(sweep, { sweep: sweepFile, base: baseFile }, base as Record<string, unknown>);
}

/** The points (or, for optuna, the checks) of a parsed sweep over `base`. */
function expandSweep(sweep: SweepConfig, files: LoadedSweep['files'], base: Record<string, unknown>): LoadedSweep {
  const { sweep: sweepFile, base: baseFile } = files;
  if (sweep.search.kind === 'optuna') return loadOptunaSweep(sweep, files, base);
  let values: Record<string, unknown>[];
  if (sweep.search.kind === 'grid') {
    values = gridPoints(sweep.search.space);
  } else {
    const { space, trials, seed } = sweep.search;
    const rng = new Rng(seed);
    values = Array.from({ length: trials }, () => drawPoint(space, rng));
  }
  const points = values.map((point, index) => pointConfig(base, point, `${sweep.name}-${index + 1}`, { sweepFile, baseFile }));
  const baseConfig = (points[0] as SweepPoint).config;
  checkObjectiveCells(sweep, sweepFile, baseConfig);
  // The objective changes what the trials measure: part of the identity when given (sweeps without one keep their hash).
  const sweepHash = hashOf({ name: sweep.name, points: points.map((p) => p.configHash), ...(sweep.objective ? { objective: sweep.objective } : {}) });
  return { sweep, configDir: dirname(baseFile), points, sweepHash, base, baseConfig, files };
}

/**
 * The sweep with its held-out speakers applied: `search.holdout` resolved against
 * `corpusSpeakers` (the speaker of every utterance of the base corpus) and written into the base
 * as `protocol.excludeSpeakers`, so that every point (every trial, for optuna) carries it; the
 * sweep's hash changes with it. An unknown speaker is an InputError naming the file and field.
 */
export function applyHoldout(loaded: LoadedSweep, corpusSpeakers: readonly string[]): LoadedSweep {
  const holdout = loaded.sweep.search.holdout;
  if (!holdout) return loaded;
  const heldOut = resolveHoldout(holdout, corpusSpeakers, loaded.files.sweep);
  const base = structuredClone(loaded.base);
  setPath(base, 'protocol.excludeSpeakers', heldOut);
  return { ...expandSweep(loaded.sweep, loaded.files, base), heldOut };
}

/** The held-out speakers of `holdout`, sorted: the named ones (each must be a corpus speaker), or whole speakers for about `fraction` of the utterances, drawn from the seed. */
export function resolveHoldout(holdout: SweepHoldout, corpusSpeakers: readonly string[], sweepFile?: string): string[] {
  const speakers = [...new Set(corpusSpeakers)].sort();
  if ('speakers' in holdout) {
    const unknown = holdout.speakers.filter((s) => !speakers.includes(s));
    if (unknown.length > 0) {
      throw new InputError({
        file: sweepFile, field: 'search.holdout.speakers', reason: `speaker(s) ${unknown.map((s) => JSON.stringify(s)).join(', ')} not in the base config's corpus`,
        fix: `name speakers of the corpus: ${speakers.join(', ')}`,
      });
    }
    if (holdout.speakers.length >= speakers.length - 1) {
      throw new InputError({ file: sweepFile, field: 'search.holdout.speakers', reason: `holds out ${holdout.speakers.length} of the corpus's ${speakers.length} speakers, leaving too few for the trials' folds`, fix: 'hold out fewer speakers' });
    }
    return [...holdout.speakers].sort();
  }
  if (speakers.length < 3) {
    throw new InputError({ file: sweepFile, field: 'search.holdout.fraction', reason: `the corpus has ${speakers.length} speaker(s): too few to hold any out and still run folds`, fix: 'remove the holdout, or use a corpus with more speakers' });
  }
  return speakerHoldout(corpusSpeakers, holdout.fraction, deriveSeed(holdout.seed, 'sweep-holdout')).validationSpeakers;
}

/** Throws unless a sweep with `search.holdout` had it applied: a launch without it would let every trial see the held-out speakers. */
export function requireHoldoutApplied(loaded: LoadedSweep): string[] | undefined {
  if (!loaded.sweep.search.holdout) return undefined;
  if (!loaded.heldOut) throw new Error(`sweep ${loaded.sweep.name}: search.holdout is not applied (applyHoldout with the corpus's speakers) before the launch`);
  return loaded.heldOut;
}

/** Each objective names a cell of the sweep's experiment. */
function checkObjectiveCells(sweep: SweepConfig, sweepFile: string, config: ExperimentConfig): void {
  const cells = planCells(config).map((c) => c.id);
  (sweep.objective ?? []).forEach((objective, i) => {
    if (!cells.includes(objective.cell)) {
      throw new InputError({
        file: sweepFile, field: `objective${sweep.objective && sweep.objective.length > 1 ? `[${i}]` : ''}.cell`, reason: `"${objective.cell}" is not a cell of the base experiment`,
        fix: `name one of ${cells.join(', ')}`,
      });
    }
  });
}

/**
 * The experiment of one point: `values` written into a copy of `base` at their dotted paths,
 * named `name`, validated. Throws an InputError naming the point (and the files, when given).
 */
export function pointConfig(base: Record<string, unknown>, values: Record<string, unknown>, name: string, files: { sweepFile?: string; baseFile?: string } = {}): SweepPoint {
  const raw = structuredClone(base);
  for (const [path, value] of Object.entries(values)) setPath(raw, path, value);
  raw.name = name;
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    const err = new InputError({ file: files.sweepFile, field: `search (point ${name}: ${JSON.stringify(values)})`, reason: 'makes an invalid experiment' });
    err.message = `${files.sweepFile ?? 'sweep'}: search point ${name} ${JSON.stringify(values)} makes an invalid experiment:\n${formatZodError(files.baseFile ?? 'base config', parsed.error)}`;
    throw err;
  }
  return { values, config: parsed.data, configHash: hashOf(parsed.data) };
}

/**
 * The experiment of a sweep's final run: a trial's config (`values` written into `base`, which
 * held `heldOut` out as protocol.excludeSpeakers) trained once on every other speaker and tested
 * on the held-out ones, in one fold (`folds: { kind: fixed }`), named `name`. Throws when `base`
 * did not hold exactly those speakers out: the figure would not be a held-out one.
 */
export function holdoutConfig(base: Record<string, unknown>, values: Record<string, unknown>, heldOut: readonly string[], name: string): SweepPoint {
  const raw = structuredClone(base);
  for (const [path, value] of Object.entries(values)) setPath(raw, path, value);
  const protocol = { ...((raw.protocol ?? {}) as Record<string, unknown>) };
  const excluded = [...((protocol.excludeSpeakers ?? []) as string[])].sort();
  const speakers = [...heldOut].sort();
  if (JSON.stringify(excluded) !== JSON.stringify(speakers)) {
    throw new Error(`holdoutConfig: the trials excluded ${JSON.stringify(excluded)}, not the held-out speakers ${JSON.stringify(speakers)}`);
  }
  delete protocol.excludeSpeakers;
  delete protocol.maxFolds;
  protocol.folds = { kind: 'fixed', testSpeakers: speakers };
  raw.protocol = protocol;
  return pointConfig(raw, {}, name);
}

/** Seeded draws that check an optuna space before any trial runs (a bad range fails here, not in trial 7). */
const SPACE_CHECK_DRAWS = 8;

function loadOptunaSweep(sweep: SweepConfig, files: LoadedSweep['files'], base: Record<string, unknown>): LoadedSweep {
  if (sweep.search.kind !== 'optuna' || !sweep.objective) throw new Error('loadOptunaSweep: not an optuna search (the schema checks the objective)');
  const { sweep: sweepFile, base: baseFile } = files;
  const { space, seed } = sweep.search;
  const rng = new Rng(seed);
  const checks = Array.from({ length: SPACE_CHECK_DRAWS }, (_, i) =>
    pointConfig(base, drawPoint(space, rng), `${sweep.name}-check-${i + 1}`, { sweepFile, baseFile }));
  const baseConfig = (checks[0] as SweepPoint).config;
  checkObjectiveCells(sweep, sweepFile, baseConfig);
  return {
    sweep, configDir: dirname(baseFile), points: [], base, baseConfig, files,
    sweepHash: hashOf({ name: sweep.name, base, search: sweep.search, objective: sweep.objective }),
  };
}
