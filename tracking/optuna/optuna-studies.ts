/**
 * Optuna studies, through the project venv's Python (tracking/optuna/optuna_study.py in one
 * long-lived process, optuna-process.ts beside it): a JSON request in, a zod-validated answer
 * out. Optuna keeps each study in its own storage, a SQLite file by default or any SQLAlchemy
 * URL (PostgreSQL when workers run on several machines); serflow keeps no copy of it.
 *
 * Every operation is idempotent (the script says how), so a Temporal activity may retry any of
 * them. A bad request is an InputError (retrying cannot help); any other failure (storage locked
 * past its timeout, Python killed) is thrown as a plain Error and retried by the caller's policy.
 */
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { PrunerKind, SamplerKind } from '../../foundation/optuna-kinds';
import { OptunaBadRequest, OptunaProcess } from './optuna-process';

export interface OptunaInstallation {
  /** The venv's Python, with optuna installed (infra/setup.sh python). */
  python: string;
  /** tracking/optuna/optuna_study.py. */
  script: string;
  /** SQLAlchemy URL of the storage, e.g. sqlite:////abs/path/optuna.sqlite or postgresql://... */
  storage: string;
}

/** What a study is built with on every call: Optuna does not store samplers and pruners. */
export interface StudySpec {
  /** The study name (a sweep's id). */
  study: string;
  directions: ('maximize' | 'minimize')[];
  sampler: { kind: SamplerKind; seed: number; startupTrials?: number };
  pruner: { kind: PrunerKind; startupTrials?: number; warmupSteps?: number };
}

/** Tags of an optuna sweep's MLflow run: the study's name, its objectives (JSON SweepObjectiveRecord[]). */
export const OPTUNA_STUDY_TAG = 'serflow.optuna_study';
export const OPTUNA_OBJECTIVES_TAG = 'serflow.optuna_objectives';

/** An objective as recorded on the sweep's run: its metric name in MLflow, the cell it scores, what it measures. */
export interface SweepObjectiveRecord {
  name: string;
  cell: string;
  metric: 'uar' | 'ganEpochs';
}

/** A study to read: its name is enough. */
export type StudyRef = Pick<StudySpec, 'study'> & Partial<StudySpec>;

/** A distribution as sweep configs write them (configs/schema/sweep.ts), with its condition when it has one. */
export type OptunaDistribution =
  ({ choice: unknown[] } | { uniform: [number, number] } | { logUniform: [number, number] } | { intUniform: [number, number] })
  & { when?: Record<string, unknown[]> };

export const trialStateSchema = z.enum(['running', 'waiting', 'complete', 'pruned', 'fail']);
export type TrialState = z.infer<typeof trialStateSchema>;

export const optunaTrialSchema = z.object({
  number: z.number().int(),
  slot: z.number().int().nullable().optional(),
  state: trialStateSchema,
  values: z.array(z.number()).nullable(),
  params: z.record(z.string(), z.unknown()),
  /** [step, value] pairs, by step. */
  intermediate: z.array(z.tuple([z.number(), z.number()])),
  runId: z.string().nullable().optional(),
});
export type OptunaTrial = z.infer<typeof optunaTrialSchema>;

const studySummarySchema = z.object({
  counts: z.partialRecord(trialStateSchema, z.number().int()),
  /** The best trial, or the Pareto front of several objectives. */
  best: z.array(optunaTrialSchema),
});
export type StudySummary = z.infer<typeof studySummarySchema>;

const fullSummarySchema = studySummarySchema.extend({ trials: z.array(optunaTrialSchema), directions: z.array(z.enum(['maximize', 'minimize'])) });
export type StudyTrials = z.infer<typeof fullSummarySchema>;

const figuresSchema = z.object({
  files: z.array(z.string()),
  importances: z.record(z.string(), z.number()).nullable(),
  problems: z.array(z.string()),
});
export type StudyFigures = z.infer<typeof figuresSchema>;

/** A study as the storage lists it. */
const storedStudySchema = z.object({ name: z.string(), trials: z.number().int() });
export type StoredStudy = z.infer<typeof storedStudySchema>;

export class OptunaStudies {
  private readonly process: OptunaProcess;

  constructor(private readonly installation: OptunaInstallation) {
    this.process = new OptunaProcess(installation.python, installation.script);
  }

  /** Throws an InputError, before a sweep starts, when its sampler or pruner cannot be built (gp without PyTorch) or its storage cannot be opened. */
  async check(spec: StudySpec): Promise<void> {
    await this.call({ op: 'check', ...spec }, z.object({}));
  }

  /** The trial of `slot`: the one already asked for that slot, or a new one with every parameter of `space` sampled. */
  ask(spec: StudySpec, slot: number, space: Record<string, OptunaDistribution>): Promise<OptunaTrial> {
    return this.call({ op: 'ask', ...spec, slot, space }, optunaTrialSchema);
  }

  /** Reports `value` at `step` and asks the pruner; on a finished trial, only whether it was pruned. */
  report(spec: StudySpec, trial: number, step: number, value: number): Promise<{ prune: boolean; state: TrialState }> {
    return this.call({ op: 'report', ...spec, trial, step, value }, z.object({ prune: z.boolean(), state: trialStateSchema }));
  }

  /** Ends a trial (a finished one is left as it was); returns the study's counts and best trial(s) after it. */
  tell(spec: StudySpec, trial: number, end: { state: 'complete'; values: number[] } | { state: 'pruned' | 'fail' }, runId?: string): Promise<StudySummary & { trial: OptunaTrial }> {
    return this.call({ op: 'tell', ...spec, trial, ...end, ...(runId ? { runId } : {}) }, studySummarySchema.extend({ trial: optunaTrialSchema }));
  }

  /** Every trial; a spec with the study name only reads the study as stored. */
  summary(spec: StudyRef): Promise<StudyTrials> {
    return this.call({ op: 'summary', ...spec }, fullSummarySchema);
  }

  /** Optuna's own plots as SVG and PNG in `outDir`, and the parameter importances (null when they cannot be computed yet). */
  figures(spec: StudyRef, outDir: string, objectiveNames: string[]): Promise<StudyFigures> {
    return this.call({ op: 'figures', ...spec, outDir, objectiveNames }, figuresSchema);
  }

  /** Every study in the storage, with its number of trials (a SQLite file that does not exist has none, and is not created). */
  async studies(): Promise<StoredStudy[]> {
    return (await this.call({ op: 'studies' }, z.object({ studies: z.array(storedStudySchema) }))).studies;
  }

  /** Lets the Python process end once idle (the next call starts another). */
  close(): void {
    this.process.close();
  }

  private async call<T extends z.ZodType>(request: Record<string, unknown>, schema: T): Promise<z.infer<T>> {
    const where = request.study === undefined ? `optuna ${String(request.op)}` : `optuna ${String(request.op)} on study ${String(request.study)}`;
    let answer: unknown;
    try {
      answer = await this.process.request({ ...request, storage: this.installation.storage });
    } catch (err) {
      if (err instanceof OptunaBadRequest) throw new InputError({ field: where, reason: err.message, fix: 'correct the sweep config (search, objective)' });
      throw new Error(`${where} failed: ${(err as Error).message}`);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new Error(`${where}: unexpected answer (${parsed.error.message.slice(0, 300)}): ${JSON.stringify(answer).slice(0, 300)}`);
    return parsed.data;
  }
}
