/**
 * What a running experiment or sweep is doing, for the person following it: the workflows'
 * `progress` queries (experiment, its running folds, a sweep's running experiments) and, per
 * running fold, the GAN trainings Temporal lists as pending activities with their last heartbeat
 * (epoch, of how many, losses: activities/gan-heartbeat.ts). Rendered as a
 * summary line (bar, evaluations, folds, GANs, ETA) and one line per running fold.
 *
 * The ETA is the later of two estimates, each from its own rate since following began: the
 * evaluations left, and the GAN epochs left (GANs and evaluations run side by side). It is an
 * estimate; memo hits make progress jump.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { ganGroupHeartbeatSchema, ganHeartbeatSchema } from '../../activities/gan-heartbeat';

/** What the experiment, fold and sweep `progress` queries answer (the fields shown here). */
interface QueriedProgress {
  phase?: string;
  evaluationsDone?: number;
  evaluationsTotal?: number;
  foldsDone?: number;
  foldsTotal?: number;
  gansDone?: number;
  gansTotal?: number;
  experimentsDone?: number;
  experimentsTotal?: number;
  memoHits?: number;
  runningFolds?: string[];
  running?: string[];
  /** An optuna sweep's. */
  trialsPruned?: number;
  trialsFailed?: number;
  best?: { trial: number; values: number[] };
  objectiveNames?: string[];
}

export interface GanTrainingView {
  loss?: string;
  repeat?: number;
  epoch: number;
  epochsTotal?: number;
  losses?: Record<string, number>;
}

export interface FoldView {
  id: string;
  gansDone: number;
  gansTotal: number;
  evaluationsDone: number;
  evaluationsTotal: number;
  training: GanTrainingView[];
}

export interface ProgressSnapshot {
  id: string;
  phase: string;
  /** Experiments of a sweep, trials of an optuna sweep, evaluations of an experiment. */
  unit: 'experiments' | 'trials' | 'evaluations';
  /** An optuna sweep's pruned and failed trials and best so far, as text. */
  trials?: string;
  done: number;
  total: number;
  memoHits: number;
  foldsDone: number;
  foldsTotal: number;
  /** GAN trainings of the finished folds; undefined from an experiment that does not count them. */
  gansOfFinishedFolds?: number;
  folds: FoldView[];
  /** A sweep's running experiments. */
  experiments: ProgressSnapshot[];
}

/** A workflow's snapshot; throws when no worker answers its query. */
export async function progressSnapshot(client: Client, workflowId: string): Promise<ProgressSnapshot> {
  const p = await client.workflow.getHandle(workflowId).query<QueriedProgress>('progress');
  if (p.experimentsTotal !== undefined) {
    const experiments = await Promise.all((p.running ?? []).map((id) => progressSnapshot(client, id).catch(() => undefined)));
    const best = p.best ? `best trial ${p.best.trial} ${p.best.values.map((v, i) => `${p.objectiveNames?.[i] ?? 'objective'} ${v.toFixed(4)}`).join(', ')}` : 'no trial complete yet';
    return {
      id: workflowId, phase: p.phase ?? '?', unit: p.trialsPruned !== undefined ? 'trials' : 'experiments', done: p.experimentsDone ?? 0, total: p.experimentsTotal,
      ...(p.trialsPruned !== undefined ? { trials: `pruned ${p.trialsPruned}, failed ${p.trialsFailed ?? 0}, running ${p.running?.length ?? 0}, ${best}` } : {}),
      memoHits: p.memoHits ?? 0, foldsDone: 0, foldsTotal: 0, folds: [], experiments: experiments.filter((e) => e !== undefined),
    };
  }
  const folds = (await Promise.all((p.runningFolds ?? []).map((id) => foldView(client, id)))).filter((f) => f !== undefined);
  return {
    id: workflowId, phase: p.phase ?? '?', unit: 'evaluations',
    // Folds still running report their own evaluations; the experiment counts finished folds.
    done: (p.evaluationsDone ?? 0) + folds.reduce((n, f) => n + f.evaluationsDone, 0), total: p.evaluationsTotal ?? 0,
    memoHits: p.memoHits ?? 0, foldsDone: p.foldsDone ?? 0, foldsTotal: p.foldsTotal ?? 0,
    ...(p.gansDone === undefined ? {} : { gansOfFinishedFolds: p.gansDone }), folds, experiments: [],
  };
}

async function foldView(client: Client, id: string): Promise<FoldView | undefined> {
  try {
    const handle = client.workflow.getHandle(id);
    const [p, description] = await Promise.all([handle.query<QueriedProgress>('progress'), handle.describe()]);
    const training: GanTrainingView[] = [];
    for (const activity of description.raw.pendingActivities ?? []) {
      const type = activity.activityType?.name;
      if (type !== 'trainClassGans' && type !== 'trainClassGanGroup') continue;
      const payload = activity.heartbeatDetails?.payloads?.[0];
      const details: unknown = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
      const one = ganHeartbeatSchema.safeParse(details);
      const group = ganGroupHeartbeatSchema.safeParse(details);
      // A group that has not beaten yet is one training at epoch 0 here, until it does.
      training.push(...(group.success ? group.data.members : one.success ? [one.data] : [{ epoch: 0 }]));
    }
    return {
      id, gansDone: p.gansDone ?? 0, gansTotal: p.gansTotal ?? 0,
      evaluationsDone: p.evaluationsDone ?? 0, evaluationsTotal: p.evaluationsTotal ?? 0, training,
    };
  } catch {
    return undefined; // the fold has not started yet or just finished
  }
}

/** Remaining-time estimates from successive snapshots of one workflow. */
export class EtaEstimator {
  private first: { at: number; evaluations: number; ganEpochs: number } | undefined;

  /** The estimate after this snapshot, in ms; undefined until there is progress to go by. */
  observe(s: ProgressSnapshot, at = Date.now()): number | undefined {
    const work = workOf(s);
    if (!this.first) {
      this.first = { at, evaluations: work.evaluations.done, ganEpochs: work.ganEpochs.done };
      return undefined;
    }
    const elapsed = at - this.first.at;
    if (elapsed < 10_000) return undefined;
    const left = (done: number, total: number, from: number): number | undefined => {
      if (total <= 0 || done >= total) return 0;
      return done > from ? ((total - done) * elapsed) / (done - from) : undefined;
    };
    const estimates = [
      left(work.evaluations.done, work.evaluations.total, this.first.evaluations),
      left(work.ganEpochs.done, work.ganEpochs.total, this.first.ganEpochs),
    ];
    // Streams without work left, or without progress yet to go by, say nothing.
    const known = estimates.filter((e): e is number => e !== undefined && e > 0);
    return known.length > 0 ? Math.max(...known) : undefined;
  }
}

/** Evaluations and GAN epochs done and in all, of an experiment or of a sweep's running ones. */
function workOf(s: ProgressSnapshot): { evaluations: { done: number; total: number }; ganEpochs: { done: number; total: number } } {
  if (s.unit !== 'evaluations') {
    const parts = s.experiments.map(workOf);
    const sum = (pick: (w: ReturnType<typeof workOf>) => { done: number; total: number }) => ({
      done: parts.reduce((n, w) => n + pick(w).done, 0), total: parts.reduce((n, w) => n + pick(w).total, 0),
    });
    // A sweep's own unit: experiments; the running ones' work is what moves meanwhile.
    return { evaluations: sum((w) => w.evaluations), ganEpochs: sum((w) => w.ganEpochs) };
  }
  const trainings = s.folds.flatMap((f) => f.training);
  const perGan = trainings.find((t) => t.epochsTotal !== undefined)?.epochsTotal ?? 0;
  const gans = ganCount(s);
  return {
    evaluations: { done: s.done, total: s.total },
    ganEpochs: { done: gans.done * perGan + trainings.reduce((n, t) => n + t.epoch, 0), total: gans.total * perGan },
  };
}

/**
 * GAN trainings done and in all. Each fold plans its own (its fit sets depend on its speakers):
 * the total is exact once every fold has started, and until then counts each fold not started
 * as the mean of those known (`estimated`).
 */
export function ganCount(s: ProgressSnapshot): { done: number; total: number; estimated: boolean } {
  const running = s.folds.reduce((n, f) => n + f.gansDone, 0);
  const runningTotal = s.folds.reduce((n, f) => n + f.gansTotal, 0);
  if (s.gansOfFinishedFolds === undefined) {
    // An experiment from before it counted its folds' GANs: every fold as the first running one.
    const perFold = s.folds[0]?.gansTotal ?? 0;
    return { done: s.foldsDone * perFold + running, total: s.foldsTotal * perFold, estimated: true };
  }
  const known = s.foldsDone + s.folds.length;
  const notStarted = Math.max(0, s.foldsTotal - known);
  const knownTotal = s.gansOfFinishedFolds + runningTotal;
  const total = knownTotal + (known > 0 ? Math.round((notStarted * knownTotal) / known) : 0);
  return { done: s.gansOfFinishedFolds + running, total: Math.max(total, s.gansOfFinishedFolds + running), estimated: notStarted > 0 };
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The summary line: bar, count, folds, GANs, memo hits, phase, ETA. */
export function summaryLine(s: ProgressSnapshot, etaMs?: number): string {
  const pct = s.total > 0 ? Math.floor((100 * s.done) / s.total) : 0;
  const parts = [`${bar(s.done, s.total)} ${pct}% ${s.done}/${s.total} ${s.unit}`];
  if (s.unit === 'evaluations' && s.foldsTotal > 0) parts.push(`folds ${s.foldsDone}/${s.foldsTotal}`);
  const gans = ganCount(s);
  if (s.unit === 'evaluations' && gans.total > 0) parts.push(`GANs ${gans.done}/${gans.estimated ? '~' : ''}${gans.total}`);
  if (s.trials) parts.push(s.trials);
  parts.push(`phase ${s.phase}`, `memo hits ${s.memoHits}`);
  if (etaMs !== undefined) parts.push(`ETA ~${formatDuration(etaMs)}`);
  return parts.join(' · ');
}

/** One line per running fold (a sweep: per running experiment, then its folds), indented. */
export function detailLines(s: ProgressSnapshot, indent = '  '): string[] {
  if (s.unit !== 'evaluations') {
    return s.experiments.flatMap((e) => [`${indent}${shortId(e.id)}: ${e.done}/${e.total} evaluations, phase ${e.phase}`, ...detailLines(e, `${indent}  `)]);
  }
  return s.folds.map((f) => {
    const gans = f.training.map((t) => {
      const name = `GAN ${t.loss ?? ''}${t.repeat === undefined ? '' : ` r${t.repeat}`}`.trimEnd();
      const losses = Object.entries(t.losses ?? {}).filter(([k]) => ['g', 'f', 'dT', 'dS', 'cls'].includes(k)).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ');
      return `${name} epoch ${t.epoch}/${t.epochsTotal ?? '?'}${losses ? ` (${losses})` : ''}`;
    });
    return `${indent}${shortId(f.id)}: ${gans.length ? `${gans.join('; ')} · ` : ''}evaluations ${f.evaluationsDone}/${f.evaluationsTotal}`;
  });
}

/**
 * The summary and what is running on one line, cut to `width` characters (a terminal's, so that
 * `\r` redraws it in place).
 */
export function oneLine(s: ProgressSnapshot, etaMs: number | undefined, width: number): string {
  const text = [summaryLine(s, etaMs), ...detailLines(s, '').map((l) => l.trim())].join(' | ');
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** The last part of a child workflow id (`<experiment id>/fold-2` -> fold-2). */
function shortId(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}
