/** The augmentation and classifier configs of the LOSO table and the benchmark. */
import type { AugmentationSpecInput } from '../compute/augment/augmentation-spec';
import type { ClassifierSpecInput } from '../compute/classify/classifier-spec';

export const AUGMENTATIONS: Record<string, AugmentationSpecInput> = {
  none: { method: 'none' },
  duplicate: { method: 'duplicate', amount: { mode: 'balance' } },
  noise: { method: 'noise', amount: { mode: 'balance' }, sigma: 0.1 },
  smote: { method: 'smote', amount: { mode: 'balance' }, k: 5 },
};

export const CLASSIFIERS: Record<'svm' | 'dnn', ClassifierSpecInput> = {
  svm: { kind: 'svm', C: 1 },
  // Early stopping on 10 % of the training part: fixed-epoch runs cost 3-4x more on this machine.
  dnn: { kind: 'dnn', hidden: [800, 800], epochs: 100, batchSize: 32, lr: 1e-3, l2: 1e-4, leakyAlpha: 0.2, earlyStopping: { validationFraction: 0.1, patience: 10 } },
};
