/**
 * The plan of an experiment, written once: its cells (every method x amount x classifier
 * combination, each with the fully resolved specs its evaluations need) and the GANs a fold must
 * train for them. Pure and deterministic, so workflows, activities and benchmarks all use it.
 */
import { amountLabel, type AmountSpec } from '../compute/augment/amount';
import { augmentationOptionBlocks, needsTrainedAugmenter, type AugmentationMethod, type AugmentationSpecInput } from '../compute/augment/augmentation-spec';
import { selectedFields, type ClassifierKind, type ClassifierSpecInput } from '../compute/classify/classifier-spec';
import { selectionProtocolSchema, type SelectionProtocol } from '../compute/select/selection-protocol';
import type { GanLoss } from '../foundation/gan-loss';
import { methodDisplayName } from './method-display-name';
import type { ExperimentConfig } from './schema/experiment';

export interface Cell {
  /** Unique within the experiment, e.g. "smote/ratio-0.5/svm". Used in run keys and metric names. */
  id: string;
  /** The method's display name, e.g. "cyclegan-wdiv". */
  method: string;
  /** "balance", "ratio-0.5", "per-class-20", or "-" for no augmentation. */
  amount: string;
  classifier: ClassifierKind;
  augmentation: AugmentationSpecInput;
  classifierSpec: ClassifierSpecInput;
  /**
   * The config's inner protocol, on cells whose classifier has a `{ select: [...] }` set, and on
   * the cells an optuna sweep scores (PlanOptions.validate: inner CV of their single candidate
   * gives the validation score); other cells stay as they were.
   */
  selection?: SelectionProtocol;
}

export interface PlanOptions {
  /** Cell ids whose evaluations compute an inner-CV validation score even when nothing is selected. */
  validate?: readonly string[];
}

export function planCells(config: ExperimentConfig, options: PlanOptions = {}): Cell[] {
  const cells: Cell[] = [];
  for (const m of config.methods) {
    const method = methodDisplayName(m, config.gan.loss);
    const amounts: (AmountSpec | undefined)[] = m.method === 'none' ? [undefined] : (m.amounts ?? config.amounts);
    for (const amount of amounts) {
      for (const classifier of config.classifiers) {
        const augmentation: AugmentationSpecInput =
          m.method === 'none' || !amount ? { method: 'none' }
          : m.method === 'cyclegan' ? { method: 'cyclegan', loss: m.loss ?? config.gan.loss, amount }
          : { method: m.method, amount, ...methodOptions(config, m.method) } as AugmentationSpecInput;
        const label = amount ? amountLabel(amount) : '-';
        const id = amount ? `${method}/${label}/${classifier}` : `${method}/${classifier}`;
        const selects = selectedFields(config[classifier]).length > 0 || (options.validate ?? []).includes(id);
        cells.push({
          id,
          method,
          amount: label,
          classifier,
          augmentation,
          classifierSpec: { kind: classifier, ...config[classifier] } as ClassifierSpecInput,
          ...(selects ? { selection: selectionProtocolSchema.parse(config.protocol.selection ?? {}) } : {}),
        });
      }
    }
  }
  return cells;
}

/** A method's parameter block of the config (`noise`, `smote`); none for methods without parameters. */
function methodOptions(config: ExperimentConfig, method: AugmentationMethod): object {
  return method in augmentationOptionBlocks ? config[method as keyof typeof augmentationOptionBlocks] : {};
}

/**
 * The adversarial losses whose GANs a fold must train before its cycle-GAN cells, each once, in
 * sorted order: the order a fold schedules its GAN trainings in (workflow histories record it).
 */
export function ganLosses(cells: readonly Cell[]): GanLoss[] {
  const losses = new Set<GanLoss>();
  for (const c of cells) if (c.augmentation.method === 'cyclegan') losses.add(c.augmentation.loss);
  return [...losses].sort();
}

/** Whether a fold of these cells trains fold models (a method fitted on the rows it augments: cycle-GAN, Gaussian mixture). */
export function needsFoldModels(cells: readonly Cell[]): boolean {
  return cells.some((c) => needsTrainedAugmenter(c.augmentation));
}
