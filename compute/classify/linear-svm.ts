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
 * Two ways to fit, with the same predictions:
 * - `LinearSvm.fit`: the linear kernel, libsvm computes the dot products itself;
 * - `LinearKernelGram`: the Gram matrix of a training set computed once, then fitted for any
 *   number of C values through libsvm's precomputed kernel. Model selection fits one training
 *   set for every C of a grid (compute/select): the kernel does not depend on C, so computing it
 *   once saves the dot products of every fit but the first. The Gram is accumulated in float64
 *   in feature order, exactly as libsvm's own dot product, so the solver sees bit-identical
 *   kernel values and returns the same model (test/unit/compute/classify/linear-svm.test.ts checks it).
 *
 * Determinism: C-SVC without probability estimates draws no random numbers, so the seed is
 * accepted for the common interface and has no effect. The model lives in the wasm heap:
 * dispose() frees it.
 */
import { libsvmLoaded } from './libsvm-wasm';
import type { LabelledSet } from '../labelled-set';
import type { Classifier, FitOptions, TrainedModel } from './classifier';
import { svmSpecSchema } from './classifier-spec';
import type { SvmSpec } from './classifier-spec';

type SvmOptions = Partial<Omit<SvmSpec, 'kind'>>;
type LibsvmModel = InstanceType<Awaited<typeof libsvmLoaded>>;

export class LinearSvm implements Classifier {
  readonly spec: SvmSpec;

  constructor(spec: SvmOptions = {}) {
    this.spec = svmSpecSchema.parse({ ...spec, kind: 'svm' });
  }

  /** A linear SVM trains a fixed problem: `options.validation` (early stopping) does not apply and is ignored. */
  async fit(train: LabelledSet, _seed: number, _options?: FitOptions): Promise<TrainedModel> {
    const SVM = await libsvmLoaded;
    const { cols, x, y } = train;
    const order = classOrder(y);
    const samples = order.map((i) => x.subarray(i * cols, (i + 1) * cols));
    const svm = trainLibsvm(SVM, SVM.KERNEL_TYPES.LINEAR, this.spec, samples, order, y);
    return modelOf(svm, cols, 'LinearSvm', (row) => row);
  }
}

/**
 * The linear kernel of one training set, computed once and fitted for any C. `fit(spec)`
 * predicts exactly what `new LinearSvm(spec).fit(train)` predicts. Memory: rows^2 float64
 * (1 MB at 370 rows), plus a copy in the wasm heap while a model trains.
 */
export class LinearKernelGram {
  readonly rows: number;
  /** Row-major rows x rows Gram matrix, float64. */
  readonly gram: Float64Array;
  private readonly train: LabelledSet;
  private readonly order: number[];
  /** libsvm's precomputed-kernel samples, in class order: [serial number, K(i, 0), ..., K(i, rows-1)]. */
  private readonly samples: Float64Array[];

  constructor(train: LabelledSet) {
    this.train = train;
    this.rows = train.rows;
    this.gram = gramMatrix(train);
    this.order = classOrder(train.y);
    const n = train.rows;
    // libsvm reads a precomputed kernel row as [0: serial number, k: K(i, k-1)] and looks up the
    // kernel of rows i and j as row_i[serial_j]: serial = original index + 1 keeps the columns in
    // the original order whatever order the samples are passed in.
    this.samples = this.order.map((i) => {
      const s = new Float64Array(n + 1);
      s[0] = i + 1;
      s.set(this.gram.subarray(i * n, (i + 1) * n), 1);
      return s;
    });
  }

  async fit(spec: SvmOptions = {}): Promise<TrainedModel> {
    const SVM = await libsvmLoaded;
    const parsed = svmSpecSchema.parse({ ...spec, kind: 'svm' });
    const svm = trainLibsvm(SVM, SVM.KERNEL_TYPES.PRECOMPUTED, parsed, this.samples, this.order, this.train.y);
    const { cols, x, rows } = this.train;
    // A test row becomes its kernel against every training row (position 0 unused by libsvm).
    return modelOf(svm, cols, 'LinearKernelGram', (row) => {
      const k = new Float64Array(rows + 1);
      for (let j = 0; j < rows; j++) k[j + 1] = dot(row, x, j * cols, cols);
      return k;
    });
  }
}

/** Rows grouped by class, in index order within a class (libsvm's label order = class-index order). */
function classOrder(y: Int32Array): number[] {
  const order = Array.from({ length: y.length }, (_, i) => i);
  return order.sort((a, b) => (y[a] as number) - (y[b] as number) || a - b);
}

function trainLibsvm(SVM: Awaited<typeof libsvmLoaded>, kernel: string, spec: SvmSpec, samples: ArrayLike<number>[], order: number[], y: Int32Array): LibsvmModel {
  const labels = Float64Array.from(order, (i) => y[i] as number);
  const svm = new SVM({
    type: SVM.SVM_TYPES.C_SVC,
    kernel,
    cost: spec.C,
    tolerance: spec.tolerance,
    cacheSize: spec.cacheMb,
    shrinking: true,
    quiet: true,
  });
  svm.train(samples, labels);
  return svm;
}

function modelOf(svm: LibsvmModel, cols: number, what: string, sampleOf: (row: Float32Array) => ArrayLike<number>): TrainedModel {
  let freed = false;
  return {
    predict(xs: Float32Array, n: number): Int32Array {
      if (freed) throw new Error(`${what} model used after dispose()`);
      if (xs.length !== n * cols) throw new RangeError(`predict: expected ${n * cols} values (${n} x ${cols}), got ${xs.length}`);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = svm.predictOne(sampleOf(xs.subarray(i * cols, (i + 1) * cols)));
      return out;
    },
    dispose(): void {
      if (!freed) svm.free();
      freed = true;
    },
  };
}

/** Row-major Gram matrix X X^T of a set, float64, symmetric. */
function gramMatrix(set: LabelledSet): Float64Array {
  const { rows, cols, x } = set;
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j <= i; j++) {
      const v = dot(row, x, j * cols, cols);
      g[i * rows + j] = v;
      g[j * rows + i] = v;
    }
  }
  return g;
}

/**
 * Dot product of `a` with the row of `x` starting at `offset`, accumulated in float64 in feature
 * order: libsvm's Kernel::dot does the same, so the values are bit-identical to its own.
 */
function dot(a: Float32Array, x: Float32Array, offset: number, cols: number): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += (a[k] as number) * (x[offset + k] as number);
  return s;
}
