/**
 * The version of what an evaluation (compute/evaluate.ts) computes for the same inputs: its memo
 * entries carry it; bump it when a change alters a result. A module of its own so that readers of
 * the version need not load the classifiers (TensorFlow).
 * 2: the DNN trains with a hand-written step and fused Adam instead of tf.layers (other numbers, same model).
 * 3: early-stopping rows are real rows of whole speakers taken before augmentation (other DNN
 *    numbers); trainRows is the real row count for cycle-GAN cells too; results carry addedRows,
 *    validationRows and, for cells that select hyperparameters, the selection.
 * 4: the DNN's matmuls run on oneDNN (compute/tensorflow-kernels.ts): rounding-level differences.
 */
export const EVALUATION_MEMO_VERSION = 4;
