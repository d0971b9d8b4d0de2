/**
 * The cells of an experiment: every (method, amount, classifier) combination, each with the
 * fully resolved specs its evaluations need. Pure and deterministic, so workflows use it too.
 */
import type { AmountSpec } from '../compute/augment/amount';
import type { AugmentationSpecInput } from '../compute/augment/augmentation-spec';
import type { ClassifierSpecInput } from '../compute/classify/classifier-spec';
import type { ExperimentConfig } from './schema/experiment';

export type CellAugmentation = AugmentationSpecInput | { method: 'cyclegan'; loss: 'ce' | 'wdiv'; amount: AmountSpec };

export interface Cell {
  /** Unique within the experiment, e.g. "smote/ratio-0.5/svm". Used in run keys and metric names. */
  id: string;
  /** The method's display name, e.g. "cyclegan-wdiv". */
  method: string;
  /** "balance", "ratio-0.5", "per-class-20", or "-" for no augmentation. */
  amount: string;
  classifier: 'svm' | 'dnn';
  augmentation: CellAugmentation;
  classifierSpec: ClassifierSpecInput;
}

export function amountLabel(amount: AmountSpec): string {
  switch (amount.mode) {
    case 'balance':
      return 'balance';
    case 'ratio':
      return `ratio-${amount.ratio}`;
    case 'perClass':
      return `per-class-${amount.n}`;
  }
}

export function methodDisplayName(m: ExperimentConfig['methods'][number], config: ExperimentConfig): string {
  return m.method === 'cyclegan' && m.name === 'cyclegan' ? `cyclegan-${m.loss ?? config.gan.loss}` : m.name;
}

export function planCells(config: ExperimentConfig): Cell[] {
  const cells: Cell[] = [];
  for (const m of config.methods) {
    const method = methodDisplayName(m, config);
    const amounts: (AmountSpec | undefined)[] = m.method === 'none' ? [undefined] : config.amounts;
    for (const amount of amounts) {
      for (const classifier of config.classifiers) {
        const augmentation: CellAugmentation =
          m.method === 'none' || !amount ? { method: 'none' }
          : m.method === 'duplicate' ? { method: 'duplicate', amount }
          : m.method === 'noise' ? { method: 'noise', amount, sigma: config.noise.sigma }
          : m.method === 'smote' ? { method: 'smote', amount, k: config.smote.k }
          : { method: 'cyclegan', loss: m.loss ?? config.gan.loss, amount };
        const label = amount ? amountLabel(amount) : '-';
        cells.push({
          id: amount ? `${method}/${label}/${classifier}` : `${method}/${classifier}`,
          method,
          amount: label,
          classifier,
          augmentation,
          classifierSpec: classifier === 'svm' ? { kind: 'svm', ...config.svm } : { kind: 'dnn', ...config.dnn },
        });
      }
    }
  }
  return cells;
}

/** The adversarial losses whose GANs a fold must train before its cycle-GAN cells. */
export function ganLosses(cells: readonly Cell[]): ('ce' | 'wdiv')[] {
  const losses = new Set<'ce' | 'wdiv'>();
  for (const c of cells) if (c.augmentation.method === 'cyclegan') losses.add(c.augmentation.loss);
  return [...losses].sort();
}
