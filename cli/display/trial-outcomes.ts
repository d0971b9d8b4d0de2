/** An optuna sweep's result as the CLI prints it: one line per trial. */
import type { TrialOutcome } from '../../workflows/optuna-sweep';

/** One line per trial: its values, its end, what Optuna was told, the folds it ran. */
export function renderTrialOutcomes(outcomes: readonly TrialOutcome[]): string {
  const lines = ['| trial | experiment | values | state | objective | folds | memo hits |', '|---|---|---|---|---|---|---|'];
  for (const o of outcomes) {
    const objective = o.objectiveValues ? o.objectiveValues.map((v) => v.toFixed(4)).join(', ') : '-';
    lines.push(`| ${o.trial} | ${o.name} | ${JSON.stringify(o.values)} | ${o.state} | ${objective} | ${o.foldsDone ?? '-'} | ${o.memoHits ?? '-'} |`);
  }
  return lines.join('\n') + '\n';
}

export function isTrialOutcomes(result: readonly unknown[]): result is TrialOutcome[] {
  const first = result[0] as Partial<TrialOutcome> | undefined;
  return first !== undefined && typeof first.trial === 'number' && typeof first.slot === 'number';
}
