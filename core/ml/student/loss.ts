/**
 * The knowledge-distillation loss (Hinton et al., 2015), computed in log space so that it is
 * finite at any valid temperature, even when the teacher's softened distribution is one-hot:
 *   alpha · T² · KL(softmax(t / T) ‖ softmax(s / T)) + (1 − alpha) · CE(y, softmax(s))
 */
import * as tf from '@tensorflow/tfjs';

import { InvalidConfigError } from '../../../common/errors';

/** Temperature and mixing weight of the distillation loss. */
export interface DistillationParams {
  /** Softening temperature; must be > 0. */
  readonly temperature: number;
  /** Weight of the KL term in [0, 1]; 0 trains on hard labels only. */
  readonly alpha: number;
}

/** Rejects a temperature ≤ 0 (or not finite) and a mixing weight outside [0, 1]. */
export function assertDistillationParams(params: DistillationParams): void {
  if (!(params.temperature > 0) || !Number.isFinite(params.temperature)) {
    throw new InvalidConfigError('distillation.temperature', `must be a finite number > 0, got ${params.temperature}`);
  }
  if (!(params.alpha >= 0 && params.alpha <= 1)) {
    throw new InvalidConfigError('distillation.alpha', `must be within [0, 1], got ${params.alpha}`);
  }
}

/**
 * Mean loss over the batch: the per-row loss, each row multiplied by its weight when `weights` is
 * given (class weights), summed and divided by the batch size. A row whose one-hot label is all
 * zeros (a teacher-labelled transfer row with no true label) contributes only its KL term.
 * @param studentLogits batch × classes
 * @param oneHot batch × classes true labels
 * @param teacherLogits batch × classes, or null for hard-label training
 * @param weights batch row weights, or null for equal weights
 */
export function distillationLoss(
  studentLogits: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  teacherLogits: tf.Tensor2D | null,
  params: DistillationParams,
  weights: tf.Tensor1D | null = null,
): tf.Scalar {
  return tf.tidy(() => {
    const crossEntropy = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(studentLogits)), 1));
    const perRow =
      !teacherLogits || params.alpha === 0 ? crossEntropy : mixed(studentLogits, teacherLogits, crossEntropy, params);
    return tf.mean(weights ? tf.mul(perRow, weights) : perRow) as tf.Scalar;
  });
}

/** alpha · T² · KL(teacher_T ‖ student_T) + (1 − alpha) · CE, per row, in log space. */
function mixed(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  crossEntropy: tf.Tensor,
  params: DistillationParams,
) {
  const t = params.temperature;
  const teacherLog = tf.logSoftmax(tf.div(teacherLogits, t));
  const studentLog = tf.logSoftmax(tf.div(studentLogits, t));
  const kl = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1);
  return tf.add(tf.mul(kl, params.alpha * t * t), tf.mul(crossEntropy, 1 - params.alpha));
}
