/**
 * The report's protocol paragraph: what a reviewer asks before reading a number — the folds and
 * repeats, whether hyperparameters were selected inside the folds, where the DNN's validation
 * rows came from, whether the repeats trained their own GANs, and whether the comparisons were
 * declared before the run. Each line states what the recorded config and results say, and says
 * "not recorded" rather than guess when a run predates the setting.
 */
import type { ExperimentComparisons } from '../compute/experiment-comparisons';
import type { RecordedConfig } from './recorded-config';
import type { ResultsJson } from './results-schema';
import { escapeHtml } from './table-one';

export interface ProtocolLine {
  /** What the line is about: 'folds', 'model selection', 'DNN validation', 'GANs', 'comparisons'. */
  topic: string;
  text: string;
}

/** A config value as text: scalars as written, objects as `key value` pairs, arrays comma-separated. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${typeof v === 'object' && v !== null ? `(${describeValue(v)})` : describeValue(v)}`).join(', ');
  return String(value);
}

function describeFolds(folds: unknown): string {
  const spec = (folds ?? {}) as Record<string, unknown>;
  if (spec.kind === 'loso') return 'leave-one-speaker-out';
  if (spec.kind === 'grouped-kfold') return `speaker-grouped ${describeValue(spec.k)}-fold`;
  if (spec.kind === 'fixed') return `one fold tested on speaker(s) ${describeValue(spec.testSpeakers)}, trained on every other`;
  return folds === undefined ? 'folds not recorded' : describeValue(folds);
}

export function describeProtocol(input: { config: RecordedConfig | undefined; results: ResultsJson; comparisons: ExperimentComparisons }): ProtocolLine[] {
  const { config, results, comparisons } = input;
  const lines: ProtocolLine[] = [];
  const folds = new Set(results.evaluations.map((e) => e.fold)).size;
  const repeats = new Set(results.evaluations.map((e) => e.repeat)).size;
  lines.push({ topic: 'folds', text: `${describeFolds(config?.protocol.folds)}: ${folds} fold(s), ${repeats} repeat(s) per cell${config ? `, base seed ${config.protocol.seed}` : ''}.` });
  const excluded = config?.protocol.excludeSpeakers;
  if (excluded?.length) lines.push({ topic: 'excluded speakers', text: `${excluded.join(', ')}: removed before the folds were built (a sweep's held-out speakers); no fold trained, validated or tested on them.` });

  // Selection is stated from what the evaluations recorded: a config may carry a selection block
  // while no hyperparameter was a set to select from.
  const selected = results.evaluations.filter((e) => e.selection);
  if (selected.length > 0) {
    const byClassifier = new Map<string, Set<string>>();
    for (const e of selected) {
      const classifier = results.cells.find((c) => c.id === e.cellId)?.classifier ?? '?';
      const names = byClassifier.get(classifier) ?? new Set<string>();
      for (const p of Object.keys(e.selection?.chosen ?? {})) names.add(p);
      byClassifier.set(classifier, names);
    }
    const what = [...byClassifier].map(([k, names]) => `${k.toUpperCase()} ${[...names].sort().join(', ')}`).join('; ');
    const how = config?.protocol.selection !== undefined ? ` (protocol.selection: ${describeValue(config.protocol.selection)})` : '';
    lines.push({ topic: 'model selection', text: `inside each outer fold, on its training speakers only${how}: ${what}; the chosen values per fold are listed below.` });
  } else {
    lines.push({ topic: 'model selection', text: 'none: every classifier hyperparameter is fixed by the config.' });
  }

  if (results.cells.some((c) => c.classifier === 'dnn')) {
    const early = config?.dnn?.earlyStopping;
    const dnnIds = new Set(results.cells.filter((c) => c.classifier === 'dnn').map((c) => c.id));
    const held = results.evaluations.filter((e) => dnnIds.has(e.cellId) && e.validationRows !== undefined);
    let text: string;
    if (early === undefined) {
      text = config ? `no early stopping: the DNN trains dnn.epochs (${describeValue(config.dnn?.epochs)}) epochs.` : 'not recorded (the run has no config.json).';
    } else if (held.length > 0) {
      const mean = held.reduce((s, e) => s + (e.validationRows ?? 0), 0) / held.length;
      text = `early stopping (${describeValue(early)}) on real training rows held out before augmentation, ${mean.toFixed(0)} rows per evaluation on average; the DNN fits on the augmented remainder.`;
    } else {
      text = `early stopping (${describeValue(early)}); this run records no validation rows held out before augmentation, so its DNN held its validation rows out of the training set it was given, after augmentation.`;
    }
    lines.push({ topic: 'DNN validation', text });
  }

  // The GAN line: one GAN per (fold, repeat) or one per fold shared by the repeats (issue 14,
  // item 3). Written from gan.shareAcrossRepeats as far as the config records it.
  if (results.cells.some((c) => c.augmentation.method === 'cyclegan')) {
    const share = config?.gan?.shareAcrossRepeats;
    const text = share === true
      ? 'one per fold, shared by the repeats (gan.shareAcrossRepeats: true): the ± of the cycle-GAN rows leaves out the GAN\'s own training variance.'
      : share === false
        ? 'one per fold and repeat (gan.shareAcrossRepeats: false): the ± of the cycle-GAN rows includes the GAN\'s training variance.'
        : 'one per fold, shared by the repeats (the recorded config has no gan.shareAcrossRepeats: serflow trained one GAN per fold then); the ± of the cycle-GAN rows leaves out the GAN\'s own training variance.';
    lines.push({ topic: 'GANs', text });
  }

  lines.push({
    topic: 'comparisons',
    text: comparisons.preDeclared
      ? `${comparisons.primaryCount} primary comparison(s) declared in the config before the run (Holm over these only); ${comparisons.comparisons.length - comparisons.primaryCount} exploratory.`
      : `not pre-declared: every augmented cell against no augmentation is primary (${comparisons.primaryCount}, Holm over all of them).`,
  });
  return lines;
}

export function protocolMarkdown(lines: readonly ProtocolLine[]): string {
  return `**Protocol.**\n\n${lines.map((l) => `- ${l.topic}: ${l.text}`).join('\n')}\n`;
}

export function protocolHtml(lines: readonly ProtocolLine[]): string {
  return `<ul class="protocol">\n${lines.map((l) => `<li><strong>${escapeHtml(l.topic)}</strong>: ${escapeHtml(l.text)}</li>`).join('\n')}\n</ul>\n`;
}
