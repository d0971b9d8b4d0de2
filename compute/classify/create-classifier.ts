/** A classifier from its spec. */
import { AcrnnClassifier } from './acrnn';
import type { Classifier } from './classifier';
import type { ClassifierSpec } from './classifier-spec';
import { DnnClassifier } from './dnn';
import { LinearSvm } from './linear-svm';

export function createClassifier(spec: ClassifierSpec): Classifier {
  switch (spec.kind) {
    case 'svm':
      return new LinearSvm(spec);
    case 'dnn':
      return new DnnClassifier(spec);
    case 'acrnn':
      return new AcrnnClassifier(spec);
  }
}
