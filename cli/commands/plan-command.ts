/**
 * `serflow run --plan <config.yaml>`: a dry run that launches nothing. It loads the config as
 * `serflow run` does, needs no stack and extracts no features, and prints what the run would do
 * (cli/plan/run-plan.ts): folds, cells, evaluations, GAN trainings (in groups and alone, per loss),
 * GAN epochs, each fold's fit sets, the selection protocol; and an estimated wall time from a
 * short calibration on this machine (cli/plan/plan-calibration.ts), unless `--no-calibrate`.
 */
import { availableParallelism } from 'node:os';
import { loadExperimentConfig } from '../../configs/load/experiment-config';
import { shapeOfFeatures } from '../../compute/features/feature-spec';
import { InputError } from '../../foundation/errors';
import { ExitCode } from '../exit-codes';
import type { Calibration, CalibrationShape, Estimate } from '../plan/plan-calibration';
import type { PlanTotals, RunPlan } from '../plan/run-plan';

export interface PlanCommandOptions {
  json: boolean;
  /** Time a few GAN iterations and classifier fits for the estimate (default true). */
  calibrate: boolean;
  /** Seconds the calibration may take, about (default 25). */
  calibrationSeconds?: number;
  /** The feature dimension, when the config's feature set has no known width. */
  dim?: number;
}

export const DEFAULT_CALIBRATION_SECONDS = 25;

export async function planCommand(file: string, options: PlanCommandOptions): Promise<number> {
  // The config first, as `serflow run` loads it: a bad one exits 2 before anything else loads (TensorFlow prints on loading).
  const loaded = loadExperimentConfig(file);
  const { computeWorkerCount } = await import('../launch/in-process-workers.js');
  const workers = computeWorkerCount();
  // The calibration times GANs, SVMs and DNNs on vectors; a sequence classifier's cost is a
  // training step's (npm run bench -- acrnn), which a 25 s calibration could not measure at Chen's widths.
  const sequences = shapeOfFeatures(loaded.config.features) === 'sequence';
  options = sequences ? { ...options, calibrate: false } : options;
  if (options.calibrate) {
    // A worker of `serflow run` shares the cores with the others: the calibration runs with its
    // share of TensorFlow's threads. Set before TensorFlow loads (the plan's modules load it).
    process.env.TF_NUM_INTRAOP_THREADS = String(Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers))));
  }
  const { planRun, planTotals } = await import('../plan/run-plan.js');
  const plan = await planRun(file, { loaded, ...(options.dim === undefined ? {} : { dim: options.dim }) });
  const totals = planTotals(plan);
  let timing: { calibration: Calibration; estimate: Estimate } | undefined;
  if (options.calibrate) {
    if (plan.dim === undefined) {
      throw new InputError({ file, field: 'features', reason: 'the feature dimension of this feature set is not known without extracting it', fix: 'give it with --dim N, or skip the estimate with --no-calibrate' });
    }
    const { calibrate, estimate } = await import('../plan/plan-calibration.js');
    const calibration = await calibrate(calibrationShape(plan, plan.dim), (options.calibrationSeconds ?? DEFAULT_CALIBRATION_SECONDS) * 1000);
    timing = { calibration, estimate: estimate(plan, calibration, workers) };
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(planJson(plan, totals, timing)) + '\n');
  } else {
    process.stdout.write(formatPlan(plan, totals, timing));
    if (sequences) process.stdout.write('  time           not estimated for sequence classifiers: `npm run bench -- acrnn` times one training step\n');
  }
  return ExitCode.ok;
}

/** The first fold's shapes: its every-speaker fit set's classes, the group sizes the plan uses, the cells' classifiers. */
function calibrationShape(plan: RunPlan, dim: number): CalibrationShape {
  const members = [...new Set(plan.folds.flatMap((f) => f.gans.map((g) => g.members)))].sort((a, b) => a - b);
  const classifiers = Object.fromEntries(plan.cells.map((c) => [c.classifier, c.classifierSpec]));
  return { dim, classCounts: plan.folds[0]?.classCounts ?? [], gan: plan.gan, members, classifiers };
}

export function planJson(plan: RunPlan, totals: PlanTotals, timing?: { calibration: Calibration; estimate: Estimate }): object {
  return {
    config: plan.file, name: plan.name, dim: plan.dim ?? null,
    ...totals,
    foldPlans: plan.folds.map((f) => ({
      name: f.name, testSpeakers: f.testSpeakers, trainRows: f.trainRows, testRows: f.testRows,
      models: f.models.map((m) => ({ loss: m.loss, fitSpeakers: m.fitSpeakers ?? 'all', repeats: m.repeats, uses: m.uses.length })),
      ganActivities: f.gans.map((g) => ({ loss: g.loss, fitSpeakers: g.fitSpeakers ?? 'all', repeats: g.repeats, members: g.members, rows: g.rows, batch: g.batch, iterationsPerEpoch: g.iterationsPerEpoch })),
    })),
    ...(timing ? { calibration: timing.calibration, estimate: { ...timing.estimate, note: 'an estimate from a short calibration on this machine; cli/plan/plan-calibration.ts says what it leaves out' } } : {}),
  };
}

export function formatPlan(plan: RunPlan, totals: PlanTotals, timing?: { calibration: Calibration; estimate: Estimate }): string {
  const lines: string[] = [`serflow run --plan ${plan.file}: ${plan.name}, nothing launched`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(15)}${text}`);
  const first = plan.folds[0];
  row('folds', `${totals.folds}${first ? ` (first: ${first.name}, ${first.trainRows} training rows, ${first.testRows} test)` : ''}`);
  row('cells', `${totals.cells}`);
  row('evaluations', `${totals.evaluations} (${totals.folds} folds x ${totals.cells} cells x ${totals.repeats} repeats)`);
  const g = totals.ganTrainings;
  const perLoss = Object.entries(g.perLoss).map(([loss, n]) => `${loss} ${n.total}: ${n.inGroups} in groups, ${n.alone} alone`).join('; ');
  row('GAN trainings', g.total === 0 ? '0' : `${g.total}: ${g.inGroups} in ${g.groupActivities} group${g.groupActivities === 1 ? '' : 's'}, ${g.alone} alone (${perLoss})`);
  row('GAN epochs', g.total === 0 ? '0' : `${totals.ganEpochs} (${plan.gan.pretrainEpochs} pretraining + ${plan.gan.epochs} per training)`);
  if (totals.selection.length === 0) row('selection', 'none (every hyperparameter fixed)');
  for (const s of totals.selection) {
    const fields = Object.entries(s.fields).map(([f, v]) => `${f} in {${v.join(', ')}}`).join(', ') || 'nothing (validation only)';
    const splits = s.innerSplits ? (s.innerSplits[0] === s.innerSplits[1] ? `${s.innerSplits[0]}` : `${s.innerSplits[0]}-${s.innerSplits[1]}`) : '?';
    row('selection', `${s.cells.length} cells (${s.cells.map((c) => c.split('/').slice(-1)[0]).filter((c, i, a) => a.indexOf(c) === i).join(', ')}) select ${fields}; ` +
      `inner splits ${describeFolds(s.protocol)} (${splits} per evaluation), metric ${s.protocol?.metric ?? 'uar'}`);
  }
  if (g.total > 0) {
    lines.push('  fit sets per fold and loss (all: every training speaker; -x: all but speaker x):');
    for (const f of plan.folds) {
      const losses = [...new Set(f.gans.map((x) => x.loss))];
      const text = losses.map((loss) => `${loss}: ` + f.gans.filter((x) => x.loss === loss).map((x) => {
        const fit = x.fitSpeakers;
        const missing = fit ? f.trainSpeakers.filter((s) => !fit.includes(s)) : [];
        const set = !fit ? 'all' : missing.length < fit.length ? missing.map((s) => `-${s}`).join('') : fit.join('+');
        const repeats = x.repeats.length === 0 ? 'shared' : repeatRange(x.repeats) + (x.members > 1 ? ', group' : '');
        return `${set} (${repeats})`;
      }).join(', ')).join('; ');
      lines.push(`    ${f.name}: ${text}`);
    }
  }
  if (timing) {
    const { calibration: c, estimate: e } = timing;
    const span = (lo: number, hi: number): string => (minutes(lo) === minutes(hi) ? minutes(hi) : `${minutes(lo)} to ${minutes(hi)}`);
    const parts = [
      ...(totals.ganTrainings.total > 0 ? [`GANs ${minutes(e.ganMs)}`] : []),
      ...(c.svm ? [`SVM ${minutes(e.svmMs)}`] : []),
      ...(c.dnn ? [`DNN ${span(e.dnnMinMs, e.dnnMs)}${minutes(e.dnnMinMs) === minutes(e.dnnMs) ? '' : ' (early stopping after patience + 1 epochs, or the full budget)'}`] : []),
    ];
    lines.push(`  estimate       about ${span(e.wallMinMs, e.wallMs)} wall time on ${e.workers} compute worker${e.workers === 1 ? '' : 's'}, alone on this machine (compute: ${parts.join(', ')})`);
    lines.push(`                 an estimate, from a ${(c.tookMs / 1000).toFixed(0)} s calibration (CPU time) on ${e.cpu}, load ${c.load.toFixed(1)}, TensorFlow intra-op threads ${c.threads}, D = ${c.dim}, ${c.rows} rows:`);
    for (const t of c.gan) {
      lines.push(`                 GAN iteration, ${t.members === 1 ? 'alone' : `group of ${t.members}`}, batch ${t.batch}: ${t.adversarialIterationMs.toFixed(0)} ms` +
        `${t.pretrainIterationMs !== undefined ? ` (pretraining ${t.pretrainIterationMs.toFixed(0)} ms)` : ''}, set-up ${t.createMs.toFixed(0)} ms`);
    }
    if (c.svm) lines.push(`                 SVM: the grid of ${c.svm.candidates} ${c.svm.gridMs.toFixed(0)} ms, one fit ${c.svm.oneMs.toFixed(0)} ms`);
    if (c.dnn) lines.push(`                 DNN: ${c.dnn.epochMs.toFixed(0)} ms per epoch`);
    lines.push('                 left out: feature extraction, generating rows, prediction, Temporal and MLflow, the tail of the run (README, "Planning a run")');
  }
  return lines.join('\n') + '\n';
}

function describeFolds(protocol: PlanTotals['selection'][number]['protocol']): string {
  const folds = protocol?.folds;
  if (!folds) return 'loso';
  if (folds.kind === 'speaker-holdout') return `speaker-holdout (fraction ${folds.fraction})`;
  if (folds.kind === 'grouped-kfold') return `grouped-kfold (k ${folds.k})`;
  return folds.kind;
}

/** "r0-2" for a run of repeats, "r0,r2" otherwise. */
function repeatRange(repeats: readonly number[]): string {
  const contiguous = repeats.every((r, i) => i === 0 || r === (repeats[i - 1] as number) + 1);
  return contiguous && repeats.length > 1 ? `r${repeats[0]}-${repeats[repeats.length - 1]}` : repeats.map((r) => `r${r}`).join(',');
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m >= 90 ? `${(m / 60).toFixed(1)} h` : m >= 1 ? `${m.toFixed(0)} min` : `${(ms / 1000).toFixed(0)} s`;
}
