/** Sentence vectors from a transformer's token states: masked mean pooling and L2 normalisation. */

/**
 * Mean of each row's token states over the positions its attention mask marks (1), then scaled
 * to unit L2 norm, as sentence-transformers does for all-MiniLM-L6-v2. `states` is row-major
 * `[rows, positions, width]`; `mask` is `[rows, positions]`. A row with no marked position or a
 * zero mean stays all zeros rather than dividing by zero.
 */
export function meanPoolNormalized(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  dims: readonly [rows: number, positions: number, width: number],
): Float32Array[] {
  const [rows, positions, width] = dims;
  return Array.from({ length: rows }, (_, row) => {
    const sum = new Float64Array(width);
    let count = 0;
    for (let p = 0; p < positions; p++) {
      if (Number(mask[row * positions + p]) === 0) continue;
      const offset = (row * positions + p) * width;
      for (let k = 0; k < width; k++) sum[k] = sum[k]! + states[offset + k]!;
      count++;
    }
    return normalized(sum, count);
  });
}

function normalized(sum: Float64Array, count: number): Float32Array {
  const vector = new Float32Array(sum.length);
  if (count === 0) return vector;
  const norm = Math.sqrt(sum.reduce((total, x) => total + x * x, 0));
  if (norm === 0) return vector;
  for (let k = 0; k < sum.length; k++) vector[k] = sum[k]! / norm;
  return vector;
}
