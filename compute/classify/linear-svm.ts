/**
 * Multi-class linear SVM: libsvm's C-SVC with a linear kernel, through libsvm-js (libsvm compiled
 * to WebAssembly). This is the algorithm scikit-learn's SVC(kernel='linear') runs, which the
 * paper used, so the two agree up to the solver tolerance.
 *
 * Multi-class scheme: one-vs-one (libsvm's), K(K-1)/2 binary machines, prediction by majority
 * vote; ties go to the class with the lower index. Training rows are passed grouped by class in
 * index order, as scikit-learn does, so that libsvm's internal label order (and thus its
 * tie-break) is the class-index order.
 *
 * Determinism: C-SVC without probability estimates draws no random numbers, so the seed is
 * accepted for the common interface and has no effect. The model lives in the wasm heap:
 * dispose() frees it.
 */
import libsvmLoaded from 'libsvm-js/wasm';
import type { LabelledSet } from '../labelled-set';
import type { Classifier, TrainedModel } from './classifier';
import { svmSpecSchema } from './classifier-spec';
import type { SvmSpec } from './classifier-spec';

export class LinearSvm implements Classifier {
  readonly spec: SvmSpec;

  constructor(spec: Partial<Omit<SvmSpec, 'kind'>> = {}) {
    this.spec = svmSpecSchema.parse({ ...spec, kind: 'svm' });
  }

  async fit(train: LabelledSet, _seed: number): Promise<TrainedModel> {
    const SVM = await libsvmLoaded;
    const { rows, cols, x, y } = train;
    const order = Array.from({ length: rows }, (_, i) => i);
    order.sort((a, b) => (y[a] as number) - (y[b] as number) || a - b);
    const samples = order.map((i) => x.subarray(i * cols, (i + 1) * cols));
    const labels = Float64Array.from(order, (i) => y[i] as number);
    const svm = new SVM({
      type: SVM.SVM_TYPES.C_SVC,
      kernel: SVM.KERNEL_TYPES.LINEAR,
      cost: this.spec.C,
      tolerance: this.spec.tolerance,
      cacheSize: this.spec.cacheMb,
      shrinking: true,
      quiet: true,
    });
    svm.train(samples, labels);
    let freed = false;
    return {
      predict(xs: Float32Array, n: number): Int32Array {
        if (freed) throw new Error('LinearSvm model used after dispose()');
        if (xs.length !== n * cols) throw new RangeError(`predict: expected ${n * cols} values (${n} x ${cols}), got ${xs.length}`);
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = svm.predictOne(xs.subarray(i * cols, (i + 1) * cols));
        return out;
      },
      dispose(): void {
        if (!freed) svm.free();
        freed = true;
      },
    };
  }
}
