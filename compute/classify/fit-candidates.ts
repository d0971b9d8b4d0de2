/**
 * Fits several concrete specs on one training set, one after the other, handing each model to
 * the caller and disposing it right after (only one model is alive at a time). Model selection
 * fits every candidate of its grid on each inner split this way.
 *
 * When every spec is a linear SVM, the specs differ only in solver settings and C, and the
 * linear kernel does not depend on either: the Gram matrix of the set is computed once and every
 * spec is fitted on it through libsvm's precomputed kernel (compute/classify/linear-svm.ts
 * LinearKernelGram, which predicts exactly what the linear-kernel fit predicts).
 */
import type { LabelledSet } from '../labelled-set';
import type { FitOptions, TrainedModel } from './classifier';
import type { ClassifierSpec } from './classifier-spec';
import { createClassifier } from './create-classifier';
import { LinearKernelGram } from './linear-svm';

/** Above this many rows the Gram matrix (rows^2 float64: 288 MB at 6000) costs more memory than the fits it saves are worth. */
export const MAX_GRAM_ROWS = 6000;

export async function fitEach<T>(
  train: LabelledSet,
  specs: readonly ClassifierSpec[],
  seed: number,
  options: FitOptions,
  use: (model: TrainedModel, index: number) => T | Promise<T>,
): Promise<T[]> {
  const shareGram = specs.length > 1 && train.rows <= MAX_GRAM_ROWS && specs.every((s) => s.kind === 'svm');
  const gram = shareGram ? new LinearKernelGram(train) : undefined;
  const out: T[] = [];
  for (const [i, spec] of specs.entries()) {
    const model = gram && spec.kind === 'svm' ? await gram.fit(spec) : await createClassifier(spec).fit(train, seed, options);
    try {
      out.push(await use(model, i));
    } finally {
      model.dispose();
    }
    // A libsvm fit runs synchronously: let timers (activity heartbeats) and cancellation through between fits.
    await new Promise(setImmediate);
  }
  return out;
}
