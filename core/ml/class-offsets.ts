/**
 * Per-class decision thresholds for three or more classes: an additive offset per class on the
 * calibrated log-probabilities, so that class k is decided when log p_k + b_k is the largest (first
 * class on ties). Offsets of 0 are the plain argmax. Tuned on validation rows for macro-F1, which
 * moves decisions towards classes the model under-predicts (Lipton et al. 2014 on F1-optimal
 * thresholds; the multiclass form is a per-class bias, as in threshold moving).
 *
 * Invalid arguments (rows and labels of different lengths, a label outside its row) are caller bugs
 * and throw a plain `RangeError`.
 */

/** Offsets tried for each class, in log-probability units: at most a factor e on a probability. */
export const OFFSET_GRID: readonly number[] = [-1, -0.5, -0.25, 0, 0.25, 0.5, 1];

/** Rounds of coordinate ascent over the classes. */
const ROUNDS = 2;

/**
 * A change of one class's offset is kept only when it raises validation macro-F1 by at least this
 * much: about one more correct decision in a thousand validation rows, so that offsets do not chase
 * single rows of a small validation split.
 */
export const MIN_MACRO_F1_GAIN = 1e-3;

/** The tuned offsets and validation macro-F1 with plain argmax and with the offsets. */
export interface ClassOffsetChoice {
  readonly offsets: number[];
  readonly macroF1Before: number;
  readonly macroF1After: number;
}

/**
 * Tunes one offset per class by coordinate ascent: for each class in turn, the grid value that gives
 * the best validation macro-F1 with the other offsets fixed (ties to the value nearest 0, then the
 * smaller), kept when it gains at least {@link MIN_MACRO_F1_GAIN}. Deterministic; empty input gives
 * zeros.
 */
export function tuneClassOffsets(
  probabilities: readonly ArrayLike<number>[],
  truth: readonly number[],
  classes: number,
): ClassOffsetChoice {
  if (probabilities.length !== truth.length) {
    throw new RangeError(`${probabilities.length} probability rows but ${truth.length} labels`);
  }
  const logs = probabilities.map((row) => Float64Array.from({ length: classes }, (_, k) => Math.log(row[k] ?? 0)));
  truth.forEach((t) => {
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`label ${t} is outside ${classes} classes`);
  });
  const offsets = new Array<number>(classes).fill(0);
  const before = macroF1Of(decideAll(logs, offsets), truth, classes);
  let current = before;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < classes; k++) {
      const { offset, macroF1 } = bestOffsetOf(k, logs, truth, offsets);
      if (macroF1 >= current + MIN_MACRO_F1_GAIN) {
        offsets[k] = offset;
        current = macroF1;
      }
    }
  }
  return { offsets, macroF1Before: before, macroF1After: current };
}

/** The class decided for one probability row under per-class log offsets (first class on ties). */
export function decideWithOffsets(probabilities: ArrayLike<number>, offsets: readonly number[]): number {
  return firstArgmax(probabilities.length, (k) => Math.log(probabilities[k]!) + (offsets[k] ?? 0));
}

/** The first k in [0, length) with the largest score(k). */
function firstArgmax(length: number, score: (k: number) => number): number {
  let best = 0;
  let bestScore = score(0);
  for (let k = 1; k < length; k++) {
    const s = score(k);
    if (s > bestScore) {
      best = k;
      bestScore = s;
    }
  }
  return best;
}

/** For class k, the grid offset with the best macro-F1, the other offsets fixed. */
function bestOffsetOf(
  k: number,
  logs: readonly Float64Array[],
  truth: readonly number[],
  offsets: readonly number[],
): { offset: number; macroF1: number } {
  const classes = offsets.length;
  // Per row: the best other class and its score; class k wins when its own score beats it (or ties
  // it from a lower index).
  const rivals = logs.map((row) => bestRival(row, offsets, k));
  const candidates = [...OFFSET_GRID].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  let best = { offset: offsets[k]!, macroF1: -1 };
  for (const offset of candidates) {
    const decided = logs.map((row, i) => {
      const { rival, score } = rivals[i]!;
      const own = row[k]! + offset;
      return own > score || (own === score && k < rival) ? k : rival;
    });
    const macroF1 = macroF1Of(decided, truth, classes);
    if (macroF1 > best.macroF1) best = { offset, macroF1 };
  }
  return best;
}

function bestRival(row: Float64Array, offsets: readonly number[], k: number): { rival: number; score: number } {
  let rival = -1;
  let score = -Infinity;
  for (let j = 0; j < row.length; j++) {
    if (j === k) continue;
    const s = row[j]! + offsets[j]!;
    if (s > score) {
      rival = j;
      score = s;
    }
  }
  return { rival, score };
}

function decideAll(logs: readonly Float64Array[], offsets: readonly number[]): number[] {
  return logs.map((row) => firstArgmax(row.length, (k) => row[k]! + offsets[k]!));
}

/** Mean over every class of 2·TP / (2·TP + FP + FN), 0 for a class never true nor decided. */
function macroF1Of(decided: readonly number[], truth: readonly number[], classes: number): number {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  decided.forEach((d, i) => {
    const t = truth[i]!;
    if (d === t) tp[t]!++;
    else {
      fp[d]!++;
      fn[t]!++;
    }
  });
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    const denominator = 2 * tp[k]! + fp[k]! + fn[k]!;
    sum += denominator === 0 ? 0 : (2 * tp[k]!) / denominator;
  }
  return sum / Math.max(1, classes);
}
