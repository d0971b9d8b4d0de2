/**
 * `serflow report <id> --out <dir>`: the paper's table and figures for a finished experiment or
 * sweep, from MLflow and the artifact store, written to <dir> and logged under report/ on the
 * parent run. <id>: an MLflow run id (experiment or sweep parent run), a workflow id, or a sweep id.
 *
 * Prints what it wrote (or, with --json, the summary as one JSON line on stdout). Exit codes:
 * ok; badInput for a missing --out, an unknown id or an unfinished experiment (InputError);
 * stackUnavailable when MLflow cannot be reached; other errors propagate to main's handler.
 */
import { resolve } from 'node:path';
import { loadStackSettings } from '../../infra/stack-settings';
import { createRuntimeDeps } from '../../composition/runtime-deps';
import { logger } from '../../logging/logger';
import { generateReport } from '../../report/generate-report';
import { generateOptunaReport, isOptunaSweepRun } from '../../report/optuna-report';
import { resolveReportTarget } from '../../report/report-target';
import { mlflowRunUrl } from '../display/links';
import { ExitCode } from '../exit-codes';
import { exitWithExpectedFailure } from './command-failure';

export async function reportCommand(id: string, options: { out: string; json: boolean }): Promise<number> {
  if (!id || !options.out) {
    process.stderr.write('usage: serflow report <run id | workflow id | sweep id> --out <dir> [--json]\n');
    return ExitCode.badInput;
  }
  const settings = loadStackSettings();
  const deps = createRuntimeDeps(settings, logger.child({ command: 'report' }));
  const outDir = resolve(options.out);
  try {
    const target = await resolveReportTarget(deps.mlflow, id);
    if (target.kind === 'sweep' && isOptunaSweepRun(target.run)) {
      const optuna = await generateOptunaReport({ mlflow: deps.mlflow, runs: deps.runs, studies: deps.installation.optunaStudies() }, target.run, outDir);
      if (options.json) process.stdout.write(JSON.stringify({ kind: 'optuna-sweep', outDir, ...optuna }) + '\n');
      else {
        process.stdout.write(`optuna sweep ${optuna.runId}: ${optuna.files.length} files in ${outDir}\n  open ${resolve(outDir, 'optuna-report.html')}\n`);
        for (const w of optuna.warnings) process.stdout.write(`  note: ${w}\n`);
      }
      return ExitCode.ok;
    }
    const summary = await generateReport({ mlflow: deps.mlflow, store: deps.store, logger: deps.logger }, target, outDir);
    if (options.json) {
      process.stdout.write(JSON.stringify({
        kind: summary.kind, runId: summary.runId, outDir, files: summary.files, artifactPath: summary.artifactPath,
        experiments: summary.experiments.map((e) => ({ runId: e.runId, name: e.name, dir: e.dir, figures: e.figures.map((f) => f.name), warnings: e.warnings })),
      }) + '\n');
    } else {
      const out = process.stdout;
      out.write(`${summary.kind} ${summary.runId}: ${summary.files.length} files in ${outDir}\n`);
      out.write(`  open ${resolve(outDir, 'report.html')}\n`);
      out.write(`  logged under ${summary.artifactPath ?? '(not logged)'} on ${mlflowRunUrl(settings, target.run.info.experiment_id, summary.runId)}\n`);
      for (const e of summary.experiments) for (const w of e.warnings) out.write(`  note (${e.name}): ${w}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    return exitWithExpectedFailure('report', error);
  }
}
