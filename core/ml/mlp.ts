/**
 * A one-hidden-layer ReLU network over sparse rows, shared by the teacher's head and the
 * student. Its forward pass in plain JavaScript touches only non-zero inputs, so one record
 * costs microseconds and needs no ML backend.
 */
import type { SparseRow } from './student/features';

/** Weights in row-major order: w1 is inputs × hidden, w2 is hidden × classes. */
export interface MlpWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

/** Shape of a network. */
export interface MlpShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
  /**
   * Activation of the hidden layer: 'relu' (default) or 'linear'. A linear hidden layer over bag
   * features is an embedding bag: the hidden vector is the weighted mean of learned feature embeddings.
   */
  readonly activation?: 'relu' | 'linear';
}

/** Logits of one sparse row. */
export function mlpLogits(shape: MlpShape, weights: MlpWeights, row: SparseRow): Float64Array {
  const { w1, b1, w2, b2 } = weights;
  const hidden = Float64Array.from(b1);
  const width = shape.hidden;
  const unrolled = width - (width % 4);
  for (let k = 0; k < row.indices.length; k++) {
    const offset = row.indices[k]! * width;
    const value = row.values[k]!;
    // Four hidden units per pass: each unit still sums its inputs in row order, so the result is exact.
    let j = 0;
    for (; j < unrolled; j += 4) {
      hidden[j] = hidden[j]! + value * w1[offset + j]!;
      hidden[j + 1] = hidden[j + 1]! + value * w1[offset + j + 1]!;
      hidden[j + 2] = hidden[j + 2]! + value * w1[offset + j + 2]!;
      hidden[j + 3] = hidden[j + 3]! + value * w1[offset + j + 3]!;
    }
    for (; j < width; j++) hidden[j] = hidden[j]! + value * w1[offset + j]!;
  }
  const logits = Float64Array.from(b2);
  const relu = shape.activation !== 'linear';
  for (let j = 0; j < shape.hidden; j++) {
    const activation = hidden[j]!;
    if (relu && activation <= 0) continue;
    for (let c = 0; c < shape.classes; c++) logits[c] = logits[c]! + activation * w2[j * shape.classes + c]!;
  }
  return logits;
}

/** A dense row as a sparse one (every position present). */
export function denseRow(values: ArrayLike<number>): SparseRow {
  return { indices: Int32Array.from({ length: values.length }, (_, i) => i), values: Float32Array.from(values) };
}

/** Encodes weights as base64 little-endian float32 strings. */
export function encodeWeights(weights: MlpWeights): Record<keyof MlpWeights, string> {
  const encode = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return { w1: encode(weights.w1), b1: encode(weights.b1), w2: encode(weights.w2), b2: encode(weights.b2) };
}

/** Decodes {@link encodeWeights} output and checks every array against `shape`. */
export function decodeWeights(encoded: Readonly<Record<keyof MlpWeights, string>>, shape: MlpShape): MlpWeights {
  const decode = (s: string) => {
    const bytes = Buffer.from(s, 'base64');
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  const weights = { w1: decode(encoded.w1), b1: decode(encoded.b1), w2: decode(encoded.w2), b2: decode(encoded.b2) };
  const expected = [shape.inputs * shape.hidden, shape.hidden, shape.hidden * shape.classes, shape.classes];
  const actual = [weights.w1.length, weights.b1.length, weights.w2.length, weights.b2.length];
  if (actual.some((n, i) => n !== expected[i])) {
    throw new Error(`weights of shape ${actual.join('/')} do not match the network ${expected.join('/')}`);
  }
  return weights;
}
