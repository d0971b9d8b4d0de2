// Types for the part of libsvm-js 0.2.1 (an emscripten build of libsvm) that serflow uses: the
// linear kernel, and the precomputed one (samples [serial number, K(i, 1), ..., K(i, n)]).
declare module 'libsvm-js/wasm' {
  interface LibsvmOptions {
    type?: number | string;
    kernel?: number | string;
    cost?: number;
    tolerance?: number;
    cacheSize?: number;
    shrinking?: boolean;
    quiet?: boolean;
    probabilityEstimates?: boolean;
    gamma?: number;
  }
  interface LibsvmModel {
    train(samples: ArrayLike<number>[], labels: ArrayLike<number>): void;
    predictOne(sample: ArrayLike<number>): number;
    getLabels(): number[];
    getSVIndices(): number[];
    free(): void;
  }
  interface LibsvmConstructor {
    new (options: LibsvmOptions): LibsvmModel;
    SVM_TYPES: { C_SVC: string };
    KERNEL_TYPES: { LINEAR: string; PRECOMPUTED: string };
  }
  const loaded: Promise<LibsvmConstructor>;
  export = loaded;
}
