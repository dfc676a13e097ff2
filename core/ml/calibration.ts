/**
 * Calibrated decisions: temperature scaling (Guo et al. 2017), top-label expected calibration error and
 * decision thresholds tuned on validation rows. Pure math on logit and probability rows; nothing here
 * reads or writes artifacts.
 *
 * Invalid arguments (rows and labels of different lengths, a label outside its row, a non-positive
 * temperature) are caller bugs and throw a plain `RangeError`.
 */
import { decideWithOffsets } from './class-offsets';
import { argmax, softmax } from './metrics';

/** The temperature found by {@link fitTemperature} and the mean NLL before (T = 1) and after it. */
export interface TemperatureFit {
  readonly temperature: number;
  readonly nllBefore: number;
  readonly nllAfter: number;
}

/** What {@link tuneBinaryThreshold} optimises. */
export type ThresholdObjective =
  { readonly kind: 'maxF1' } | { readonly kind: 'precisionAtLeast'; readonly target: number };

/** The chosen positive-class threshold and the validation metrics of the positive class at it. */
export interface ThresholdChoice {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Whether the objective was met: always true for maxF1 on non-empty input. */
  readonly met: boolean;
}

/** How probabilities become a class: an optional temperature, then (binary only) a positive threshold. */
export interface Decision {
  /** Temperature applied to the probabilities before deciding; default 1 (unchanged). */
  readonly temperature?: number;
  /** Binary tasks: predict class 1 when p1 ≥ threshold. Ignored for three or more classes. */
  readonly threshold?: number;
  /** Three or more classes: per-class offsets on log p (see class-offsets.ts); absent means argmax. */
  readonly classOffsets?: readonly number[];
}

/** Search range of the temperature, inclusive: [0.05, 20]. */
const MIN_TEMPERATURE = 0.05;
const MAX_TEMPERATURE = 20;
/** Width in log T at which the golden-section search stops. */
const LOG_T_TOLERANCE = 1e-6;
/** Relative NLL difference below which a temperature does not beat T = 1. */
const NLL_ROUNDING = 1e-12;
const INVERSE_GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Probabilities of one logit row at `temperature` (softmax(logits / T)); T must be positive and finite. */
export function calibrate(logits: ArrayLike<number>, temperature: number): Float64Array {
  assertTemperature(temperature);
  return softmax(logits, temperature);
}

/**
 * The temperature T > 0 minimising the mean negative log-likelihood of softmax(logits / T) on validation rows.
 *
 * The NLL is convex in 1/T, hence unimodal in log T, so a golden-section search on log T over
 * [ln 0.05, ln 20] to a width of 1e-6 finds the minimum deterministically. The NLL is the exact
 * log-softmax (not clipped like `logLoss` in metrics.ts). If no T in range beats T = 1 by more than
 * rounding (relative 1e-12) the fit returns T = 1, so `nllAfter ≤ nllBefore` always holds. Separable
 * data drives T to the lower bound 0.05; labels the logits cannot rank drive it to the upper bound 20.
 * Empty input returns T = 1 with both NLLs 0.
 */
export function fitTemperature(logits: readonly ArrayLike<number>[], truth: readonly number[]): TemperatureFit {
  assertSameLength(logits.length, truth.length);
  const nllBefore = meanNll(logits, truth, 1);
  if (logits.length === 0) return { temperature: 1, nllBefore, nllAfter: nllBefore };

  const nllAtLogT = (u: number): number => meanNll(logits, truth, Math.exp(u));
  const temperature = Math.exp(goldenSectionMinimum(nllAtLogT, Math.log(MIN_TEMPERATURE), Math.log(MAX_TEMPERATURE)));
  const nllAfter = meanNll(logits, truth, temperature);

  // An improvement within rounding (flat NLL, e.g. equal logits) does not count as beating T = 1.
  const beatsOne = nllAfter < nllBefore - NLL_ROUNDING * Math.max(1, nllBefore);
  return beatsOne ? { temperature, nllBefore, nllAfter } : { temperature: 1, nllBefore, nllAfter: nllBefore };
}

/**
 * Top-label expected calibration error: Σ over bins of |accuracy − mean confidence| × n_bin / n, where a
 * row's confidence is its largest probability and its prediction the argmax (first on ties).
 *
 * `bins` equal-width bins are right-inclusive: bin b holds confidences in (b/bins, (b+1)/bins], and a
 * confidence of exactly 0 goes to the first bin. Empty bins contribute nothing; empty input gives 0.
 */
export function expectedCalibrationError(
  probabilities: readonly ArrayLike<number>[],
  truth: readonly number[],
  bins = 15,
): number {
  assertSameLength(probabilities.length, truth.length);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);

  probabilities.forEach((row, i) => {
    const predicted = argmax(row);
    const top = row[predicted]!;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(top * bins) - 1));
    confidence[b]! += top;
    if (predicted === truth[i]) correct[b]!++;
  });

  const n = Math.max(1, probabilities.length);
  // |accuracy − confidence| × n_bin / n, with both bin means multiplied through by n_bin.
  return correct.reduce((ece, hits, b) => ece + Math.abs(hits - confidence[b]!) / n, 0);
}

/**
 * Tunes the positive-class (index 1) threshold on validation scores; a row is predicted positive when
 * p ≥ threshold. Candidates are the distinct scores.
 *
 * - `maxF1`: the candidate with the highest F1; ties go to the higher threshold.
 * - `precisionAtLeast`: the lowest candidate whose precision ≥ target (the most recall among those that
 *   meet it). If none does, the highest-precision candidate (ties to the lower threshold) with met=false.
 *
 * Empty input, or validation rows of one class only (a class of two rows has none in validation), returns
 * threshold 0.5 with all metrics 0 and met=false: there is nothing to tune on.
 */
export function tuneBinaryThreshold(
  positiveProbabilities: readonly number[],
  truth: readonly number[],
  objective: ThresholdObjective,
): ThresholdChoice {
  assertSameLength(positiveProbabilities.length, truth.length);
  const positives = truth.filter((t) => t === 1).length;
  if (positives === 0 || positives === truth.length) {
    return { threshold: 0.5, precision: 0, recall: 0, f1: 0, met: false };
  }
  const candidates = sweepThresholds(positiveProbabilities, truth);

  if (objective.kind === 'maxF1') return { ...pickFirstBest(candidates, (c) => c.f1), met: true };

  const meeting = candidates.filter((c) => c.precision >= objective.target);
  const lowest = meeting[meeting.length - 1];
  if (lowest !== undefined) return { ...lowest, met: true };
  return { ...pickFirstBest([...candidates].reverse(), (c) => c.precision), met: false };
}

/**
 * Thresholds per class, for the decision rule of {@link applyDecision}. Only binary tasks get a tuned
 * threshold: `[0, t]`, where t is the positive-class threshold of {@link tuneBinaryThreshold} (pass it as
 * `Decision.threshold`). With three or more classes every threshold is 0: the decision stays plain argmax.
 */
export function tuneClassThresholds(
  probabilities: readonly ArrayLike<number>[],
  truth: readonly number[],
  classes: number,
  objective: ThresholdObjective = { kind: 'maxF1' },
): number[] {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${classes}`);
  if (classes > 2) return new Array<number>(classes).fill(0);

  const positive = probabilities.map((row) => row[1]!);
  return [0, tuneBinaryThreshold(positive, truth, objective).threshold];
}

/**
 * The class decided for one probability row. The row is first rescaled to `decision.temperature`
 * (softmax(log p / T), identical to softmax(logits / T) for the logits that produced p); then a binary
 * row with a threshold gives 1 when p1 ≥ threshold, a row of three or more classes with offsets the
 * argmax of log p + offset, and any other row its argmax (first on ties).
 * Tune the threshold on probabilities at the same temperature.
 */
export function applyDecision(probabilities: ArrayLike<number>, decision: Decision): number {
  const temperature = decision.temperature ?? 1;
  const calibrated = temperature === 1 ? probabilities : rescale(probabilities, temperature);
  if (calibrated.length === 2 && decision.threshold !== undefined) return calibrated[1]! >= decision.threshold ? 1 : 0;
  if (calibrated.length > 2 && decision.classOffsets) return decideWithOffsets(calibrated, decision.classOffsets);
  return argmax(calibrated);
}

/** Probabilities re-tempered from T = 1 to `temperature`. */
function rescale(probabilities: ArrayLike<number>, temperature: number): Float64Array {
  return calibrate(Array.from(probabilities, Math.log), temperature);
}

/** Mean exact negative log-softmax of the true class at `temperature`. */
function meanNll(logits: readonly ArrayLike<number>[], truth: readonly number[], temperature: number): number {
  if (logits.length === 0) return 0;
  const total = logits.reduce((sum, row, i) => sum + rowNll(row, truth[i]!, temperature), 0);
  return total / logits.length;
}

function rowNll(logits: ArrayLike<number>, label: number, temperature: number): number {
  const trueLogit = logits[label];
  if (trueLogit === undefined) throw new RangeError(`label ${label} is outside a row of ${logits.length} logits`);
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) max = Math.max(max, logits[k]! / temperature);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) sum += Math.exp(logits[k]! / temperature - max);
  return max + Math.log(sum) - trueLogit / temperature;
}

/** Minimiser of a unimodal function on [low, high] by golden-section search, to LOG_T_TOLERANCE. */
function goldenSectionMinimum(f: (x: number) => number, low: number, high: number): number {
  let a = low;
  let b = high;
  let c = b - INVERSE_GOLDEN * (b - a);
  let d = a + INVERSE_GOLDEN * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > LOG_T_TOLERANCE) {
    if (fc <= fd) {
      [b, d, fd] = [d, c, fc];
      c = b - INVERSE_GOLDEN * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + INVERSE_GOLDEN * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

type Candidate = Omit<ThresholdChoice, 'met'>;

/** Metrics at every distinct score as threshold, highest threshold first, in one pass over sorted scores. */
function sweepThresholds(scores: readonly number[], truth: readonly number[]): Candidate[] {
  const order = scores.map((s, i) => [s, truth[i] === 1] as const).sort((x, y) => y[0] - x[0]);
  const positives = order.filter(([, isPositive]) => isPositive).length;
  const candidates: Candidate[] = [];
  let truePositive = 0;
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1]) truePositive++;
    const threshold = order[i]![0];
    if (order[i + 1]?.[0] === threshold) continue;
    candidates.push(metricsAt(threshold, truePositive, i + 1, positives));
  }
  return candidates;
}

/** Precision, recall and F1 from counts; F1 as 2TP / (TP + predicted + actual) so equal ratios tie exactly. */
function metricsAt(threshold: number, truePositive: number, predicted: number, positives: number): Candidate {
  return {
    threshold,
    precision: truePositive / predicted,
    recall: positives === 0 ? 0 : truePositive / positives,
    f1: (2 * truePositive) / (predicted + positives),
  };
}

/** The first candidate with the largest value of `score`. */
function pickFirstBest(candidates: readonly Candidate[], score: (c: Candidate) => number): Candidate {
  return candidates.reduce((best, c) => (score(c) > score(best) ? c : best));
}

function assertSameLength(rows: number, labels: number): void {
  if (rows !== labels) throw new RangeError(`${rows} rows but ${labels} labels`);
}

function assertTemperature(temperature: number): void {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be positive and finite, got ${temperature}`);
  }
}
