import { meanPoolNormalized } from '../../../../core/ml/teacher/pooling';

describe('meanPoolNormalized', () => {
  it('averages the masked positions of each row and scales the mean to unit length', () => {
    // Row 0: tokens (3, 0) and (1, 4), padding (100, 100) → mean (2, 2) → (1/√2, 1/√2).
    // Row 1: one token (0, -5), two paddings → (0, -1).
    const states = Float32Array.from([3, 0, 1, 4, 100, 100, 0, -5, 7, 7, 7, 7]);
    const mask = [1, 1, 0, 1, 0, 0];

    const [first, second] = meanPoolNormalized(states, mask, [2, 3, 2]);

    expect(Array.from(first!)).toEqual([Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)]);
    expect(Array.from(second!)).toEqual([0, -1]);
  });

  it('accepts the int64 masks of ONNX Runtime', () => {
    const [row] = meanPoolNormalized(Float32Array.from([0, 2, 9, 9]), BigInt64Array.from([1n, 0n]), [1, 2, 2]);

    expect(Array.from(row!)).toEqual([0, 1]);
  });

  it('leaves a row with no unmasked token, or a zero mean, as zeros instead of dividing by zero', () => {
    const states = Float32Array.from([5, 5, 5, 5, 5, 5, 1, -1, 0, -1, 1, 0]);

    const [empty, zero] = meanPoolNormalized(states, [0, 0, 1, 1], [2, 2, 3]);

    expect(Array.from(empty!)).toEqual([0, 0, 0]);
    expect(Array.from(zero!)).toEqual([0, 0, 0]);
  });
});
