import { initBackend } from '../../../core/ml/backend';
import { softmax } from '../../../core/ml/metrics';
import { denseRow, mlpLogits } from '../../../core/ml/mlp';
import { createFeaturizer, type StudentFeatureSpec } from '../../../core/ml/student/features';
import { studentShape } from '../../../core/ml/student/model';
import { initialWeights, predictBatched, trainMlp, type TrainingSet } from '../../../core/ml/train-mlp';
import { seededRandom } from '../../../core/util/random';

const SPEC: StudentFeatureSpec = {
  vocabulary: ['free', 'win'],
  ngramMax: 1,
  charBuckets: 16,
  tabular: ['x'],
  architecture: 'embedding-bag',
};

describe('the embedding-bag student', () => {
  beforeAll(() => initBackend('cpu'));

  it('weighs each word n-gram by its share of the block, so the first layer is a mean of embeddings', () => {
    const row = createFeaturizer(SPEC)('free free win', [0.5]);
    const words = Array.from(row.indices)
      .map((column, k) => [column, row.values[k]!] as const)
      .filter(([column]) => column < 2);

    expect(words).toEqual([
      [0, expect.closeTo(2 / 3, 6)],
      [1, expect.closeTo(1 / 3, 6)],
    ]);
    const chars = Array.from(row.indices).map((column, k) => (column >= 2 && column < 18 ? row.values[k]! : 0));
    expect(chars.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(row.values[row.values.length - 1]).toBe(0.5);
  });

  it('has a linear hidden layer', () => {
    expect(studentShape(SPEC, 4, 3)).toEqual({ inputs: 19, hidden: 4, classes: 3, activation: 'linear' });
    expect(studentShape({ ...SPEC, architecture: 'hashed-mlp' }, 4, 3).activation).toBeUndefined();
  });

  it('lets negative hidden values through where the ReLU network would drop them', () => {
    const shape = { inputs: 1, hidden: 1, classes: 1 };
    const weights = {
      w1: Float32Array.of(-2),
      b1: Float32Array.of(0),
      w2: Float32Array.of(3),
      b2: Float32Array.of(1),
    };
    expect(mlpLogits({ ...shape, activation: 'linear' }, weights, denseRow([1]))[0]).toBe(-5);
    expect(mlpLogits(shape, weights, denseRow([1]))[0]).toBe(1);
  });

  it('trains on separable rows, and the backend and plain-JavaScript forward passes agree', async () => {
    const random = seededRandom(3);
    const set = (n: number): TrainingSet => {
      const labels = Array.from({ length: n }, (_, i) => i % 2);
      const rows = labels.map((y) => denseRow([y ? 1 : -1, random() - 0.5, y ? -1 : 1]));
      return { rows, labels };
    };
    const shape = { inputs: 3, hidden: 4, classes: 2, activation: 'linear' } as const;
    const options = { shape, epochs: 15, batchSize: 8, learningRate: 0.05, seed: 1, distillation: null };
    const validation = set(20);

    const result = await trainMlp(set(40), validation, options);

    const backend = predictBatched(result.weights, shape, validation.rows);
    const plain = validation.rows.map((row) => softmax(mlpLogits(shape, result.weights, row)));
    backend.forEach((p, i) => expect(p[1]).toBeCloseTo(plain[i]![1]!, 5));
    expect(result.history.at(-1)!.validationAccuracy).toBe(1);
    expect(initialWeights(shape, 1).w1).toHaveLength(12);
  });
});
