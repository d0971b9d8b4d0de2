/**
 * Attention pooling over time: a learned vector u scores every time step's vector h_t
 * (e_t = u . h_t), a softmax over time turns the scores into weights, and the output is the
 * weighted sum of the h_t. This is the attention of Chen et al. 2018 (after Yang et al. 2016)
 * reduced to its scoring vector, as the paper describes it; the authors' code puts a one-unit
 * sigmoid layer before u, a monotone map of the same score.
 *
 * tfjs has no layer for it; these are tfjs ops, differentiated by tfjs (the tensors are small
 * next to the convolutions and the LSTM: [time, batch, features]).
 */
import { tf } from '../tf';

/** h [time, batch, features], u [features, 1] -> [batch, features]. */
export function attentionPooling(h: tf.Tensor3D, u: tf.Tensor): tf.Tensor2D {
  return attentionPoolingWithWeights(h, u).pooled;
}

/** The pooling and its weights [batch, time] (each row sums to 1), for inspection. */
export function attentionPoolingWithWeights(h: tf.Tensor3D, u: tf.Tensor): { pooled: tf.Tensor2D; weights: tf.Tensor2D } {
  const [time, batch, features] = h.shape;
  const scores = tf.matMul(h.reshape([time * batch, features]), u.reshape([features, 1])).reshape([time, batch]);
  const weights = tf.softmax(tf.transpose(scores)) as tf.Tensor2D;
  // sum_t weights[b, t] h[t, b, :], as one batched product [batch, 1, time] x [batch, time, features].
  const pooled = tf.matMul(weights.reshape([batch, 1, time]), tf.transpose(h, [1, 0, 2])).reshape([batch, features]) as tf.Tensor2D;
  return { pooled, weights };
}
