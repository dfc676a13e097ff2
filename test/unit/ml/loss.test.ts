import * as tf from '@tensorflow/tfjs';

import { InvalidConfigError } from '../../../common/errors';
import { initBackend } from '../../../core/ml/backend';
import { assertDistillationParams, distillationLoss, type DistillationParams } from '../../../core/ml/student/loss';

/** Float32 tensors agree with float64 arithmetic to about 1e-7 relative; 1e-5 leaves room. */
const TOLERANCE = 1e-5;

/** log softmax(row / T) in float64, stable for any logits. */
function logSoftmax(row: readonly number[], temperature = 1): number[] {
  const scaled = row.map((x) => x / temperature);
  const max = Math.max(...scaled);
  const logSum = max + Math.log(scaled.reduce((sum, x) => sum + Math.exp(x - max), 0));
  return scaled.map((x) => x - logSum);
}

/** alpha · T² · mean KL(teacher ‖ student) + (1 − alpha) · mean CE, written out in plain float64 maths. */
function expectedLoss(student: number[][], labels: number[], teacher: number[][], params: DistillationParams): number {
  const { temperature: t, alpha } = params;
  const kl = student.map((row, i) => {
    const p = logSoftmax(teacher[i]!, t);
    const q = logSoftmax(row, t);
    return p.reduce((sum, logP, k) => sum + Math.exp(logP) * (logP - q[k]!), 0);
  });
  const ce = student.map((row, i) => -logSoftmax(row)[labels[i]!]!);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return alpha * t * t * mean(kl) + (1 - alpha) * mean(ce);
}

function lossValue(student: number[][], labels: number[], teacher: number[][] | null, params: DistillationParams) {
  const value = tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), student[0]!.length) as tf.Tensor2D;
    const teacherLogits = teacher ? tf.tensor2d(teacher) : null;
    return distillationLoss(tf.tensor2d(student), oneHot, teacherLogits, params);
  });
  const result = value.dataSync()[0]!;
  value.dispose();
  return result;
}

beforeAll(async () => {
  await initBackend();
});

describe('distillationLoss', () => {
  it('equals alpha·T²·KL + (1 − alpha)·CE on a hand-computed 2×2 batch', () => {
    const student = [
      [1, 2],
      [0.5, -1],
    ];
    const teacher = [
      [3, 1],
      [-2, 0],
    ];
    const labels = [1, 0];
    const params = { temperature: 2, alpha: 0.7 };

    const actual = lossValue(student, labels, teacher, params);

    // Row 1: p = softmax([1.5, 0.5]), q = softmax([0.5, 1]), KL 0.257403, CE 0.313262;
    // row 2: p = softmax([-1, 0]), q = softmax([0.25, -0.5]), KL 0.352962, CE 0.201413.
    // 0.7 · 4 · 0.305182 + 0.3 · 0.257337 = 0.931712.
    const expected = expectedLoss(student, labels, teacher, params);
    expect(expected).toBeCloseTo(0.931712, 6);
    expect(Math.abs(actual - expected)).toBeLessThan(TOLERANCE);
  });

  it('stays finite and exact when the teacher is effectively one-hot at T = 0.05 and alpha = 0.9', () => {
    const student = [
      [0.3, -0.2],
      [-0.3, 0.2],
    ];
    const teacher = [
      [100, -100],
      [100, -100],
    ];
    const params = { temperature: 0.05, alpha: 0.9 };

    const actual = lossValue(student, [0, 0], teacher, params);

    // softmax(teacher / 0.05) is exactly [1, 0] in float32: the 0 · log 0 term must contribute 0, not NaN.
    expect(Number.isFinite(actual)).toBe(true);
    expect(Math.abs(actual - expectedLoss(student, [0, 0], teacher, params))).toBeLessThan(TOLERANCE);
  });

  it('equals plain cross-entropy when alpha is 0, whatever the teacher says', () => {
    const student = [
      [2, -1, 0],
      [0, 0, 1],
    ];
    const teacher = [
      [-5, 5, 0],
      [9, 0, 0],
    ];
    const crossEntropy = -(logSoftmax(student[0]!)[0]! + logSoftmax(student[1]!)[2]!) / 2;

    const withTeacher = lossValue(student, [0, 2], teacher, { temperature: 3, alpha: 0 });
    const withoutTeacher = lossValue(student, [0, 2], null, { temperature: 3, alpha: 0.5 });

    expect(Math.abs(withTeacher - crossEntropy)).toBeLessThan(TOLERANCE);
    expect(Math.abs(withoutTeacher - crossEntropy)).toBeLessThan(TOLERANCE);
  });

  it('is T² times the KL divergence alone when alpha is 1, and 0 when student and teacher agree', () => {
    const student = [[1, 0]];
    const differs = lossValue(student, [1], [[0, 1]], { temperature: 2, alpha: 1 });
    const agrees = lossValue(student, [1], [[1, 0]], { temperature: 2, alpha: 1 });

    expect(Math.abs(differs - expectedLoss(student, [1], [[0, 1]], { temperature: 2, alpha: 1 }))).toBeLessThan(
      TOLERANCE,
    );
    expect(Math.abs(agrees)).toBeLessThan(TOLERANCE);
  });

  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;

    lossValue([[1, 2]], [0], [[2, 1]], { temperature: 1, alpha: 0.5 });

    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('assertDistillationParams', () => {
  it.each([0, -1, NaN, Infinity])(
    'rejects temperature %p as invalid configuration of distillation.temperature',
    (t) => {
      const check = () => assertDistillationParams({ temperature: t, alpha: 0.5 });

      expect(check).toThrow(InvalidConfigError);
      expect(check).toThrow(/distillation\.temperature/);
      expect(fieldOf(check)).toBe('distillation.temperature');
    },
  );

  it.each([-0.1, 1.1, NaN])('rejects alpha %p as invalid configuration of distillation.alpha', (alpha) => {
    const check = () => assertDistillationParams({ temperature: 1, alpha });

    expect(check).toThrow(InvalidConfigError);
    expect(check).toThrow(/distillation\.alpha/);
    expect(fieldOf(check)).toBe('distillation.alpha');
  });

  it('accepts a small positive temperature and both ends of the alpha range', () => {
    expect(() => assertDistillationParams({ temperature: 0.05, alpha: 0.9 })).not.toThrow();
    expect(() => assertDistillationParams({ temperature: 1, alpha: 0 })).not.toThrow();
    expect(() => assertDistillationParams({ temperature: 20, alpha: 1 })).not.toThrow();
  });
});

function fieldOf(check: () => void): unknown {
  try {
    check();
  } catch (error) {
    return error instanceof InvalidConfigError ? error.details.field : undefined;
  }
  return undefined;
}
