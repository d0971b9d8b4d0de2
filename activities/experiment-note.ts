/**
 * The description of an experiment's parent run (MLflow's `mlflow.note.content` tag, markdown,
 * shown on the run page and under the experiment's run): the config in a few lines when the run
 * opens, the result table added when it finishes. MLflow keeps at most 8000 characters: the
 * results are cut to fit, the full tables stay in the artifacts (table.md, comparisons.md).
 */
import { describeFeatures } from '../compute/features/feature-spec';
import type { ExperimentConfig } from '../configs/schema/experiment';
import { methodDisplayName } from '../configs/method-display-name';
import { MAX_TAG_VALUE_LENGTH } from '../tracking/mlflow-keys';

export const NOTE_TAG = 'mlflow.note.content';
const PENDING = '_Running: the result table appears here when the experiment finishes._';

/** The config summary, and the swept values when the experiment belongs to a sweep. */
export function experimentNote(config: ExperimentConfig, sweep?: { id: string; values?: Record<string, unknown> }): string {
  const { corpus, features, protocol, gan } = config;
  const classes = corpus.kind === 'emodb' ? corpus.emotions.join(', ') : (corpus.labels?.join(', ') ?? 'every label');
  const methods = config.methods.map((m) => methodDisplayName(m, gan.loss));
  const rows: [string, string][] = [
    ['corpus', `${corpus.kind} \`${corpus.path}\` (${classes})`],
    ['features', describeFeatures(features)],
    ['protocol', `${protocol.folds.kind} folds${protocol.maxFolds !== undefined ? ` (first ${protocol.maxFolds})` : ''}, ${protocol.repeats} repeats, seed ${protocol.seed}`],
    ['methods', methods.join(', ')],
    ['amounts', config.amounts.map((a) => JSON.stringify(a).replace(/"/g, '')).join(', ')],
    ['classifiers', config.classifiers.join(', ')],
  ];
  if (config.methods.some((m) => m.method === 'cyclegan')) rows.push(['GAN', `${gan.pretrainEpochs} + ${gan.epochs} epochs, hidden ${JSON.stringify(gan.hidden)}, λcyc ${gan.lambdaCyc}, λcls ${gan.lambdaCls}`]);
  if (sweep) rows.push(['sweep', `${sweep.id}${sweep.values ? `: ${Object.entries(sweep.values).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')}` : ''}`]);
  const table = ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`)].join('\n');
  return `**${config.name}**${config.description ? `: ${config.description}` : ''}\n\n${table}\n\n${PENDING}\n`;
}

/** The note with its pending line replaced by the results (appended to a note without one). */
export function noteWithResults(note: string | undefined, results: string[]): string {
  const head = (note ?? '').replace(PENDING, '').trimEnd();
  const sections = ['## Results', ...results.map((r) => r.trim())];
  let text = `${head}\n\n${sections.join('\n\n')}\n`;
  // Drop whole sections from the end, then cut: MLflow refuses longer tags.
  while (text.length > MAX_TAG_VALUE_LENGTH && sections.length > 2) {
    sections.pop();
    text = `${head}\n\n${sections.join('\n\n')}\n\n_More in the run's artifacts (table.md, comparisons.md)._\n`;
  }
  return text.length > MAX_TAG_VALUE_LENGTH ? `${text.slice(0, MAX_TAG_VALUE_LENGTH - 40)}\n\n_(cut: see table.md)_\n` : text;
}
