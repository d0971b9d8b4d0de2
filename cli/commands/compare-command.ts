/**
 * `serflow compare <A> <B> [--out <dir>] [--json]`: two finished experiments lined up cell by
 * cell (report/compare-experiments.ts): both Table 1s side by side with B − A, the per-fold paired
 * difference of each cell when both ran the same folds, what differs between their configs and
 * commits. <A>, <B>: what `serflow report` takes for an experiment (MLflow parent run id,
 * workflow id), and a sweep configuration's or Optuna trial's run id.
 *
 * Only reads: nothing is logged to MLflow; files (HTML, PNG, ...) are written only with --out, and
 * only there. Prints the comparison as Markdown (with --json: the comparison as one JSON line on
 * stdout). Exit codes: ok; badInput for a wrong command line, an unknown id, a sweep id, an
 * unfinished experiment, or two experiments on different corpora or classes (InputError);
 * stackUnavailable when MLflow cannot be reached; other errors propagate to main's handler.
 */
import { resolve } from 'node:path';
import { createRuntimeDeps } from '../../composition/runtime-deps';
import { loadStackSettings } from '../../infra/stack-settings';
import { logger } from '../../logging/logger';
import { compareExperiments } from '../../report/compare-experiments';
import { ExitCode } from '../exit-codes';
import { exitWithExpectedFailure } from './command-failure';

export const COMPARE_USAGE = 'usage: serflow compare <A: run id | workflow id> <B: run id | workflow id> [--out <dir>] [--json]\n';

export async function compareCommand(ids: string[], options: { json: boolean; out?: string }): Promise<number> {
  if (ids.length !== 2 || ids.some((id) => !id)) {
    process.stderr.write(`serflow compare: give two experiments (got ${ids.length})\n${COMPARE_USAGE}`);
    return ExitCode.badInput;
  }
  const settings = loadStackSettings();
  const deps = createRuntimeDeps(settings, logger.child({ command: 'compare' }));
  const outDir = options.out !== undefined ? resolve(options.out) : undefined;
  try {
    const result = await compareExperiments(deps, [ids[0] as string, ids[1] as string], outDir !== undefined ? { outDir } : {});
    if (options.json) {
      process.stdout.write(JSON.stringify({ kind: 'experiment-pair', ...result.pair, ...(outDir !== undefined ? { outDir, files: result.files } : {}) }) + '\n');
    } else {
      process.stdout.write(result.markdown);
      if (outDir !== undefined) process.stdout.write(`\n${result.files.length} files in ${outDir}\n  open ${resolve(outDir, 'compare.html')}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    return exitWithExpectedFailure('compare', error);
  }
}
