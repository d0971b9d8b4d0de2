/**
 * The ACRNN classifier's spec (Chen et al. 2018, "3-D Convolutional Recurrent Neural Networks
 * With Attention Model for Speech Emotion Recognition"): the config boundary of
 * compute/classify/acrnn.ts. A strict object with the paper's network as defaults; every field is
 * bounded so that a typo (8000 maps, a 0.5 s kernel) is a config error naming the field rather
 * than an allocation of billions of weights or a training of weeks.
 *
 * Defaults and their sources: the widths, kernel, pooling and batch size are the paper's; the
 * learning rate 1e-5 and leaky-ReLU slope 0.01 are the authors' code (xuanjihe/speech-emotion-
 * recognition, model.py and acrnn1.py; their code trains with batches of 60 where the paper says
 * 40). The full network costs seconds per step on a CPU: bench/acrnn-step.ts measures it, and
 * the lead's configs use reduced widths (see that file's header).
 */
import { z } from 'zod';
import { earlyStoppingSchema, selectable } from './spec-fields';

/** Feature maps of one convolution layer at most. */
const MAX_MAPS = 1024;
/** Units of a dense or recurrent layer at most. */
const MAX_UNITS = 4096;

const kernelSide = z.number().int().positive().max(15);
const poolSide = z.number().int().positive().max(8);

export const acrnnSpecSchema = z.strictObject({
  kind: z.literal('acrnn'),
  /**
   * Input channels: 1 = the static log-Mel bands (2-D), 3 = static, delta and delta-delta (3-D;
   * HTK regression over +-2 frames on each utterance's own frames, edges replicated). The two
   * derived channels are normalised per band by statistics of the training rows, taken in fit.
   */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /**
   * Frames per segment (300 = 3 s at a 10 ms hop). An utterance is cut into ceil(length / this)
   * segments, the last zero-padded; each segment is classified and the utterance's posterior is
   * the maximum over its segments, class by class.
   */
  segmentFrames: z.number().int().min(8).max(3000).default(300),
  /** Feature maps of the convolution layers: the first is followed by the max pooling, the others run at the pooled resolution (same padding). */
  convMaps: z.array(z.number().int().positive().max(MAX_MAPS)).min(1).max(8).default([128, 256, 256, 256, 256]),
  /** Convolution kernel [time, frequency]. */
  kernel: z.tuple([kernelSide, kernelSide]).default([5, 3]),
  /** Max pooling after the first convolution, [time, frequency], stride = size. */
  pool: z.tuple([poolSide, poolSide]).default([2, 4]),
  /** Units of the linear layer applied at each pooled time step to its frequency x maps values. */
  linear: z.number().int().positive().max(MAX_UNITS).default(768),
  /** LSTM cells per direction of the bidirectional LSTM. */
  lstmUnits: z.number().int().positive().max(1024).default(128),
  /** Units of the fully connected layer (with batch normalisation) after the attention pooling. */
  fcUnits: z.number().int().positive().max(MAX_UNITS).default(64),
  /** Slope of leaky ReLU for negative inputs (the authors' code: 0.01). */
  leakyAlpha: z.number().nonnegative().lt(1).default(0.01),
  /** Segments per mini-batch. */
  batchSize: z.number().int().positive().max(1024).default(40),
  /** Adam learning rate (the authors' code: 1e-5). */
  lr: z.number().positive().max(1).default(1e-5),
  /** Epochs: the maximum with early stopping, exactly this many without. */
  epochs: z.number().int().positive().max(10_000).default(100),
  /**
   * Early stopping on the validation rows' unweighted average recall (utterance level, as the
   * authors chose epochs), ties broken by the lower validation loss; the best epoch's weights are
   * kept. On by default; `null` trains exactly `epochs` epochs on every training row.
   */
  earlyStopping: z.union([earlyStoppingSchema, z.null()]).prefault({}),
});
export type AcrnnSpec = z.infer<typeof acrnnSpecSchema>;

/**
 * The search spec: the training hyperparameters may be sets to select from (`lr: { select: [...] }`),
 * chosen per outer fold on the training speakers as the DNN's are. The architecture stays one
 * value: a selection over widths would multiply a cost that is already hours per fold at Chen's.
 */
export const acrnnSearchSpecSchema = acrnnSpecSchema.extend({
  lr: selectable(acrnnSpecSchema.shape.lr),
  epochs: selectable(acrnnSpecSchema.shape.epochs),
  batchSize: selectable(acrnnSpecSchema.shape.batchSize),
});
