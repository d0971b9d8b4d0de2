/**
 * The one line printed under an experiment's result table: what was chosen inside the outer
 * folds and how, so that a reader of `serflow run`'s table knows the SVM's C was selected (and
 * which values won) and where the DNN's early stopping looked, without opening the report.
 * Written from what the evaluations recorded, the settings only saying how.
 */
import { z } from 'zod';
import type { RecordedEvaluation } from './experiment-summary';

/**
 * What the line needs of a recorded config (config.json on an experiment's parent run):
 * protocol.selection and the early stopping of the classifiers that have one (dnn, acrnn), when
 * set. Other fields are ignored, so any config version reads.
 */
export const selectionLineSettingsSchema = z.object({
  protocol: z.object({
    selection: z.object({ folds: z.object({ kind: z.string(), fraction: z.number().optional(), k: z.number().optional() }), metric: z.string() }).optional(),
  }),
  dnn: z.object({ earlyStopping: z.object({ validationFraction: z.number(), patience: z.number() }).optional() }).optional(),
  acrnn: z.object({ earlyStopping: z.object({ validationFraction: z.number(), patience: z.number() }).nullable().optional() }).optional(),
});
export type RecordedSelectionSettings = z.infer<typeof selectionLineSettingsSchema>;

export interface SelectionLineSettings {
  /** protocol.selection as configured: the inner splits and the metric. */
  selection?: { folds: { kind: string; fraction?: number; k?: number }; metric: string };
  /** Each early-stopping classifier's earlyStopping as configured, by classifier kind. */
  earlyStopping?: Partial<Record<string, { validationFraction: number; patience: number }>>;
}

/** The settings of the line from a recorded config. */
export function selectionLineSettings(recorded: RecordedSelectionSettings): SelectionLineSettings {
  return {
    ...(recorded.protocol.selection ? { selection: recorded.protocol.selection } : {}),
    earlyStopping: {
      ...(recorded.dnn?.earlyStopping ? { dnn: recorded.dnn.earlyStopping } : {}),
      ...(recorded.acrnn?.earlyStopping ? { acrnn: recorded.acrnn.earlyStopping } : {}),
    },
  };
}

export function selectionLine(
  evaluations: readonly RecordedEvaluation[], cells: readonly { id: string; classifier: string }[], settings: SelectionLineSettings,
): string {
  const parts: string[] = [];
  const classifierOf = new Map(cells.map((c) => [c.id, c.classifier]));
  const selected = evaluations.filter((e) => e.selection);
  if (selected.length > 0) {
    // Per classifier and hyperparameter: how often each value won, over every (cell, fold, repeat).
    const wins = new Map<string, Map<number, number>>();
    for (const e of selected) {
      for (const [name, value] of Object.entries(e.selection?.chosen ?? {})) {
        const key = `${(classifierOf.get(e.cellId) ?? '?').toUpperCase()} ${name}`;
        const counts = wins.get(key) ?? new Map<number, number>();
        counts.set(value, (counts.get(value) ?? 0) + 1);
        wins.set(key, counts);
      }
    }
    const chosen = [...wins].map(([key, counts]) => `${key} ${[...counts].sort(([a], [b]) => a - b).map(([v, n]) => `${v} (${n}x)`).join(', ')}`).join('; ');
    parts.push(`selected inside each outer fold on ${innerSplits(settings.selection)} of its training speakers, by ${settings.selection?.metric.toUpperCase() ?? 'validation score'}: ${chosen} of ${selected.length} evaluations`);
  } else {
    parts.push('no hyperparameter selected (every value fixed by the config)');
  }
  // Per trained classifier in the cells, where its early stopping looked (the SVM has none).
  for (const kind of ['dnn', 'acrnn']) {
    const trained = evaluations.filter((e) => classifierOf.get(e.cellId) === kind);
    if (trained.length === 0) continue;
    const stopping = settings.earlyStopping?.[kind];
    if (stopping) {
      const fromRealRows = trained.some((e) => e.validationRows !== undefined);
      parts.push(`${kind.toUpperCase()} early-stopped (patience ${stopping.patience}) on ${Math.round(100 * stopping.validationFraction)} % of the training speakers${fromRealRows ? ', held out before augmentation' : ''}`);
    } else {
      parts.push(`${kind.toUpperCase()} trained for its full epoch budget (no early stopping)`);
    }
  }
  return `${parts.join('; ')}.`;
}

function innerSplits(selection: SelectionLineSettings['selection']): string {
  const folds = selection?.folds;
  if (folds?.kind === 'speaker-holdout') return `a speaker hold-out (${Math.round(100 * (folds.fraction ?? 0))} %)`;
  if (folds?.kind === 'grouped-kfold') return `speaker-grouped ${folds.k ?? '?'}-fold splits`;
  if (folds?.kind === 'loso') return 'leave-one-speaker-out splits';
  return 'inner splits';
}
