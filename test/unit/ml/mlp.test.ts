import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../../../core/ml/backend';
import { softmax } from '../../../core/ml/metrics';
import {
  decodeWeights,
  denseRow,
  encodeWeights,
  mlpLogits,
  type MlpShape,
  type MlpWeights,
} from '../../../core/ml/mlp';
import type { SparseRow } from '../../../core/ml/student/features';
import { initialWeights, predictBatched } from '../../../core/ml/train-mlp';
import { seededRandom } from '../../../core/util/random';

/** float32 matrix products on the backend against float64 in JS: 1e-4 absolute covers the rounding. */
const BACKEND_TOLERANCE = 1e-4;

/** Random weights (including non-zero biases) and sparse rows, reproducible from a seed. */
function randomWeights(shape: MlpShape, seed: number): MlpWeights {
  const random = seededRandom(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  return {
    w1: fill(shape.inputs * shape.hidden),
    b1: fill(shape.hidden),
    w2: fill(shape.hidden * shape.classes),
    b2: fill(shape.classes),
  };
}

function randomSparseRows(count: number, inputs: number, seed: number): SparseRow[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const columns = [...new Set(Array.from({ length: 5 }, () => Math.floor(random() * inputs)))].sort((a, b) => a - b);
    return { indices: Int32Array.from(columns), values: Float32Array.from(columns, () => random() * 4 - 2) };
  });
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

beforeAll(async () => {
  await initBackend();
});

describe('mlpLogits', () => {
  it('computes b2 + relu(x·w1 + b1)·w2 for a hand-sized network', () => {
    const shape = { inputs: 2, hidden: 2, classes: 2 };
    // hidden = relu([1·1 + 2·0 + 0.5, 1·(−1) + 2·(−1) + 0]) = [1.5, 0]; logits = [0.1 + 1.5·2, −0.1 + 1.5·3].
    const weights = {
      w1: Float32Array.from([1, -1, 0, -1]),
      b1: Float32Array.from([0.5, 0]),
      w2: Float32Array.from([2, 3, 7, 7]),
      b2: Float32Array.from([0.1, -0.1]),
    };

    const logits = mlpLogits(shape, weights, denseRow([1, 2]));

    expect(logits[0]).toBeCloseTo(3.1, 6);
    expect(logits[1]).toBeCloseTo(4.4, 6);
  });

  it('gives an empty sparse row the same logits as an all-zero dense row', () => {
    const shape = { inputs: 4, hidden: 3, classes: 2 };
    const weights = randomWeights(shape, 5);

    const logits = mlpLogits(shape, weights, { indices: new Int32Array(0), values: new Float32Array(0) });

    expect(Array.from(logits)).toEqual(Array.from(mlpLogits(shape, weights, denseRow([0, 0, 0, 0]))));
  });

  it('agrees with the backend forward pass of predictBatched on random weights and sparse rows', () => {
    const shape = { inputs: 50, hidden: 16, classes: 3 };
    const weights = randomWeights(shape, 1);
    const rows = randomSparseRows(40, shape.inputs, 2);

    const backend = predictBatched(weights, shape, rows, 'logits');

    rows.forEach((row, i) => {
      expect(maxAbsDifference(mlpLogits(shape, weights, row), backend[i]!)).toBeLessThan(BACKEND_TOLERANCE);
    });
  });
});

describe('predictBatched', () => {
  it('returns softmax probabilities that match the JS forward pass, across chunks of 512 rows', () => {
    const shape = { inputs: 30, hidden: 8, classes: 4 };
    const weights = randomWeights(shape, 3);
    const rows = randomSparseRows(1100, shape.inputs, 4);

    const probabilities = predictBatched(weights, shape, rows);

    expect(probabilities).toHaveLength(1100);
    for (const i of [0, 511, 512, 1099]) {
      const expected = softmax(mlpLogits(shape, weights, rows[i]!));
      expect(maxAbsDifference(probabilities[i]!, expected)).toBeLessThan(BACKEND_TOLERANCE);
      expect(Math.abs(probabilities[i]!.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    }
  });

  it('leaves no tensor behind', () => {
    const shape = { inputs: 10, hidden: 4, classes: 2 };
    const before = tf.memory().numTensors;

    predictBatched(randomWeights(shape, 6), shape, randomSparseRows(20, 10, 7));

    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('encodeWeights and decodeWeights', () => {
  const shape = { inputs: 6, hidden: 3, classes: 2 };

  it('round-trips every float32 bit for bit', () => {
    const weights = randomWeights(shape, 8);
    weights.w1[0] = -0;
    weights.w1[1] = 1e-40; // subnormal
    weights.b2[1] = 3.4028234663852886e38; // largest float32

    const decoded = decodeWeights(encodeWeights(weights), shape);

    expect(decoded).toEqual(weights);
    expect(Object.is(decoded.w1[0], -0)).toBe(true);
  });

  it('encodes only the viewed part of an array that is a view into a larger buffer', () => {
    const buffer = new Float32Array(100).map((_, i) => i);
    const weights = { ...initialWeights(shape, 9), b1: buffer.subarray(10, 13) };

    const decoded = decodeWeights(encodeWeights(weights), shape);

    expect(Array.from(decoded.b1)).toEqual([10, 11, 12]);
  });

  it('rejects weights whose sizes do not match the network shape, naming both', () => {
    const encoded = encodeWeights(randomWeights(shape, 10));

    expect(() => decodeWeights(encoded, { ...shape, hidden: 4 })).toThrow(
      'weights of shape 18/3/6/2 do not match the network 24/4/8/2',
    );
    expect(() => decodeWeights(encoded, { ...shape, classes: 3 })).toThrow(/do not match the network 18\/3\/9\/3/);
  });
});
