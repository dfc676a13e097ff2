import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../../../core/ml/backend';
import { classWeights, rowWeights } from '../../../core/ml/student/class-weights';
import { distillationLoss } from '../../../core/ml/student/loss';

describe('classWeights', () => {
  it("gives n / (classes × count) under 'balanced', as scikit-learn does", () => {
    // 8 rows: 6 of class 0, 2 of class 1 → 8 / (2 × 6) and 8 / (2 × 2).
    expect(classWeights([0, 0, 0, 0, 0, 0, 1, 1], 2, 'balanced')).toEqual([8 / 12, 2]);
  });

  it("gives 1 to every class under 'none' and 0 to a class with no rows under 'balanced'", () => {
    expect(classWeights([0, 1], 3, 'none')).toEqual([1, 1, 1]);
    expect(classWeights([0, 0, 1, -1], 3, 'balanced')).toEqual([0.5, 1, 0]);
  });

  it('weighs each row by its class, and a row without a true label by 1', () => {
    expect(rowWeights([1, 0, -1], [0.5, 3])).toEqual([3, 0.5, 1]);
  });
});

describe('distillationLoss with row weights', () => {
  beforeAll(() => initBackend('cpu'));

  const student = () =>
    tf.tensor2d([
      [2, -1],
      [0.5, 0.5],
    ]);
  const oneHot = () =>
    tf.tensor2d([
      [0, 1],
      [1, 0],
    ]);
  const teacher = () =>
    tf.tensor2d([
      [1, 0],
      [0, 3],
    ]);
  const params = { temperature: 2, alpha: 0.7 };
  const value = (t: tf.Scalar) => t.dataSync()[0]!;

  it('equals the unweighted loss with unit weights, and scales each row by its weight', () => {
    const rowLoss = (row: number) =>
      value(distillationLoss(student().slice(row, 1), oneHot().slice(row, 1), teacher().slice(row, 1), params));
    const unweighted = value(distillationLoss(student(), oneHot(), teacher(), params));
    const ones = value(distillationLoss(student(), oneHot(), teacher(), params, tf.tensor1d([1, 1])));
    const weighted = value(distillationLoss(student(), oneHot(), teacher(), params, tf.tensor1d([3, 0.5])));

    expect(ones).toBeCloseTo(unweighted, 6);
    expect(weighted).toBeCloseTo((3 * rowLoss(0) + 0.5 * rowLoss(1)) / 2, 5);
  });

  it('counts only the KL term of a row whose one-hot label is all zeros', () => {
    const s = tf.tensor2d([[2, -1]]);
    const t = tf.tensor2d([[1, 0]]);
    const kdOnly = value(distillationLoss(s, tf.tensor2d([[0, 0]]), t, params));
    const klOnly = value(distillationLoss(s, tf.tensor2d([[0, 1]]), t, { temperature: 2, alpha: 1 }));

    expect(kdOnly).toBeCloseTo(0.7 * klOnly, 6);
  });
});
