import {
  applyDecision,
  calibrate,
  expectedCalibrationError,
  fitTemperature,
  tuneBinaryThreshold,
  tuneClassThresholds,
} from '../../../core/ml/calibration';
import { softmax } from '../../../core/ml/metrics';
import { seededRandom } from '../../../core/util/random';

/** Sums of a few floating-point terms: 12 decimal places covers their rounding. */
const EXACT_DIGITS = 12;

/**
 * Rows of a calibrated three-class model: true logits uniform in [-2, 2], each label drawn from
 * softmax(true logits), so softmax(true logits) is calibrated by construction. Reproducible from `seed`.
 */
function calibratedModel(rows: number, seed: number): { logits: number[][]; truth: number[] } {
  const random = seededRandom(seed);
  const logits = Array.from({ length: rows }, () => [0, 0, 0].map(() => 4 * random() - 2));
  const truth = logits.map((z) => sample(softmax(z), random()));
  return { logits, truth };
}

/** The class whose cumulative probability first exceeds `u`. */
function sample(probabilities: Float64Array, u: number): number {
  let cumulative = 0;
  for (let k = 0; k < probabilities.length; k++) if ((cumulative += probabilities[k]!) > u) return k;
  return probabilities.length - 1;
}

const scaled = (logits: number[][], factor: number) => logits.map((row) => row.map((z) => z * factor));

describe('calibrate', () => {
  it('is the softmax of the logits divided by the temperature', () => {
    expect(Array.from(calibrate([0, Math.log(3)], 1))).toEqual([expect.closeTo(0.25, 15), expect.closeTo(0.75, 15)]);
    expect(Array.from(calibrate([0, 2 * Math.log(3)], 2))).toEqual([
      expect.closeTo(0.25, 15),
      expect.closeTo(0.75, 15),
    ]);
  });

  it('rejects a temperature that is not positive and finite', () => {
    expect(() => calibrate([0, 1], 0)).toThrow(RangeError);
    expect(() => calibrate([0, 1], Number.NaN)).toThrow(RangeError);
  });
});

describe('fitTemperature', () => {
  it('returns temperature 1 and zero NLL for empty input', () => {
    expect(fitTemperature([], [])).toEqual({ temperature: 1, nllBefore: 0, nllAfter: 0 });
  });

  it('rejects rows and labels of different lengths', () => {
    expect(() => fitTemperature([[0, 1]], [])).toThrow(RangeError);
  });

  it('finds the closed-form optimum T = L / ln 3 for a repeated binary row labelled positive 3 times in 4', () => {
    // Every row is logits [0, L]; the NLL is minimal where sigmoid(L / T) = 3/4, i.e. L / T = ln 3.
    const fit = fitTemperature(
      [0, 1, 2, 3].map(() => [0, 4]),
      [1, 1, 1, 0],
    );

    expect(fit.temperature).toBeCloseTo(4 / Math.log(3), 5);
    expect(fit.nllAfter).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 10);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
  });

  it('keeps temperature 1 when no temperature changes the NLL', () => {
    // Equal logits give ln 2 at every temperature, so nothing beats T = 1.
    const fit = fitTemperature(
      [
        [3, 3],
        [1, 1],
      ],
      [0, 1],
    );

    expect(fit.temperature).toBe(1);
    expect(fit.nllAfter).toBe(fit.nllBefore);
    expect(fit.nllBefore).toBeCloseTo(Math.log(2), EXACT_DIGITS);
  });

  // At 10,000 rows the fitted T varies by about 2 % across seeds, inside the 5 % these tests allow.
  const model = calibratedModel(10_000, 42);
  const overConfident = scaled(model.logits, 5);
  let overConfidentFit: ReturnType<typeof fitTemperature>;
  beforeAll(() => {
    overConfidentFit = fitTemperature(overConfident, model.truth);
  });

  it('recovers T ≈ 5 within 5 % from logits five times over-confident', () => {
    expect(Math.abs(overConfidentFit.temperature / 5 - 1)).toBeLessThan(0.05);
    expect(overConfidentFit.nllAfter).toBeLessThan(overConfidentFit.nllBefore);
  });

  it('finds T < 1 for under-confident logits (0.4 × the calibrated ones), near 0.4 within 5 %', () => {
    const fit = fitTemperature(scaled(model.logits, 0.4), model.truth);

    expect(fit.temperature).toBeLessThan(1);
    expect(Math.abs(fit.temperature / 0.4 - 1)).toBeLessThan(0.05);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
  });

  it('is deterministic', () => {
    const logits = scaled(model.logits.slice(0, 500), 5);
    expect(fitTemperature(logits, model.truth.slice(0, 500))).toEqual(
      fitTemperature(logits, model.truth.slice(0, 500)),
    );
  });

  it('lowers the expected calibration error of over-confident logits', () => {
    const { temperature } = overConfidentFit;

    const before = expectedCalibrationError(
      overConfident.map((z) => softmax(z)),
      model.truth,
    );
    const after = expectedCalibrationError(
      overConfident.map((z) => calibrate(z, temperature)),
      model.truth,
    );

    // Over-confident by 5× the ECE is large; calibrated, only sampling noise remains.
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeLessThan(0.03);
  });
});

describe('expectedCalibrationError', () => {
  // confidence 0.9 correct, 0.8 wrong, 0.7 correct, 0.6 wrong.
  const probabilities = [
    [0.9, 0.1],
    [0.8, 0.2],
    [0.3, 0.7],
    [0.4, 0.6],
  ];
  const truth = [0, 1, 1, 0];

  it('weights |accuracy − confidence| of each bin by its share of rows (5 bins)', () => {
    // (0.8, 1]: {0.9 ✓} → 0.1 × 1/4; (0.6, 0.8]: {0.8 ✗, 0.7 ✓} → |0.5 − 0.75| × 2/4; (0.4, 0.6]: {0.6 ✗} → 0.6 × 1/4.
    expect(expectedCalibrationError(probabilities, truth, 5)).toBeCloseTo(0.025 + 0.125 + 0.15, EXACT_DIGITS);
  });

  it('puts each row in its own bin with the default 15 bins', () => {
    // 0.8 = 12/15 sits in (11/15, 12/15]; no two confidences share a bin: (0.1 + 0.8 + 0.3 + 0.6) / 4.
    expect(expectedCalibrationError(probabilities, truth)).toBeCloseTo(0.45, EXACT_DIGITS);
  });

  it('is 0 when every bin is calibrated', () => {
    const rows = [0, 1, 2, 3].map(() => [0.75, 0.25]);
    expect(expectedCalibrationError(rows, [0, 0, 0, 1])).toBe(0);
  });

  it('uses right-inclusive bins and puts a confidence of exactly 0 in the first bin', () => {
    // 2 bins: [0, 0.5] holds {0.5 ✗, 0 ✓} → |0.5 − 0.25| × 2/3; (0.5, 1] holds {1 ✓} → 0.
    const rows = [
      [0.5, 0.5],
      [0, 0],
      [1, 0],
    ];
    expect(expectedCalibrationError(rows, [1, 0, 0], 2)).toBeCloseTo(1 / 6, EXACT_DIGITS);
  });

  it('is 0 for empty input and rejects a bin count that is not a positive integer', () => {
    expect(expectedCalibrationError([], [])).toBe(0);
    expect(() => expectedCalibrationError(probabilities, truth, 0)).toThrow(RangeError);
  });
});

describe('tuneBinaryThreshold', () => {
  // threshold:  0.9   0.8   0.7   0.6   0.55  0.4   0.3   0.2
  // label:      1     1     0     1     0     1     0     0
  // precision:  1     1     2/3   3/4   3/5   2/3   4/7   1/2
  // recall:     1/4   1/2   1/2   3/4   3/4   1     1     1
  // F1:         2/5   2/3   4/7   3/4   2/3   4/5   8/11  2/3
  const scores = [0.2, 0.9, 0.55, 0.4, 0.8, 0.3, 0.7, 0.6];
  const truth = [0, 1, 0, 1, 1, 0, 0, 1];

  it('picks the threshold with the highest F1 for maxF1', () => {
    expect(tuneBinaryThreshold(scores, truth, { kind: 'maxF1' })).toEqual({
      threshold: 0.4,
      precision: 2 / 3,
      recall: 1,
      f1: 0.8,
      met: true,
    });
  });

  it('breaks F1 ties towards the higher threshold', () => {
    // 0.9 → F1 2/3, 0.8 → 1/2, 0.7 → 2/5, 0.6 → 2/3.
    const choice = tuneBinaryThreshold([0.9, 0.8, 0.7, 0.6], [1, 0, 0, 1], { kind: 'maxF1' });
    expect(choice).toEqual({ threshold: 0.9, precision: 1, recall: 0.5, f1: 2 / 3, met: true });
  });

  it('treats equal scores as one candidate', () => {
    // 0.7 (two rows, one positive): precision 1/2, recall 1/2; 0.3: precision 2/3, recall 1, F1 4/5.
    const choice = tuneBinaryThreshold([0.7, 0.7, 0.3], [1, 0, 1], { kind: 'maxF1' });
    expect(choice).toEqual({ threshold: 0.3, precision: 2 / 3, recall: 1, f1: 0.8, met: true });
  });

  it('picks the lowest threshold whose precision meets the target', () => {
    expect(tuneBinaryThreshold(scores, truth, { kind: 'precisionAtLeast', target: 0.75 })).toEqual({
      threshold: 0.6,
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      met: true,
    });
  });

  it('looks past a threshold that misses the target to a lower one that meets it again', () => {
    // 0.55 has precision 3/5 < 0.65, but 0.4 is lower and has 2/3.
    const choice = tuneBinaryThreshold(scores, truth, { kind: 'precisionAtLeast', target: 0.65 });
    expect(choice).toMatchObject({ threshold: 0.4, precision: 2 / 3, recall: 1, met: true });
  });

  it('returns the most precise threshold, the lower on ties, with met=false when none meets the target', () => {
    // 0.9 → 0, 0.8 → 1/2, 0.7 → 1/3, 0.6 → 1/2: the best is 1/2, at 0.8 and 0.6.
    const choice = tuneBinaryThreshold([0.9, 0.8, 0.7, 0.6], [0, 1, 0, 1], { kind: 'precisionAtLeast', target: 0.8 });
    expect(choice).toEqual({ threshold: 0.6, precision: 0.5, recall: 1, f1: 2 / 3, met: false });
  });

  it('returns threshold 0.5 with met=false for empty input', () => {
    expect(tuneBinaryThreshold([], [], { kind: 'maxF1' })).toEqual({
      threshold: 0.5,
      precision: 0,
      recall: 0,
      f1: 0,
      met: false,
    });
  });
});

describe('tuneClassThresholds', () => {
  it('gives binary tasks [0, the tuned positive threshold]', () => {
    const rows = [0.9, 0.8, 0.7, 0.6].map((p) => [1 - p, p]);
    expect(tuneClassThresholds(rows, [1, 0, 0, 1], 2)).toEqual([0, 0.9]);
  });

  it('leaves three or more classes at plain argmax: every threshold 0', () => {
    const rows = [
      [0.2, 0.5, 0.3],
      [0.6, 0.3, 0.1],
    ];
    expect(tuneClassThresholds(rows, [1, 2], 3)).toEqual([0, 0, 0]);
  });

  it('rejects fewer than two classes', () => {
    expect(() => tuneClassThresholds([], [], 1)).toThrow(RangeError);
  });
});

describe('applyDecision', () => {
  it('predicts the positive class of a binary row when p1 reaches the threshold', () => {
    expect(applyDecision([0.7, 0.3], { threshold: 0.3 })).toBe(1);
    expect(applyDecision([0.7, 0.3], { threshold: 0.31 })).toBe(0);
    expect(applyDecision([0.4, 0.6], { threshold: 0.7 })).toBe(0);
  });

  it('falls back to argmax without a threshold or with three or more classes', () => {
    expect(applyDecision([0.7, 0.3], {})).toBe(0);
    expect(applyDecision([0.2, 0.5, 0.3], { threshold: 0.1 })).toBe(1);
    expect(applyDecision([0.2, 0.3, 0.5], { temperature: 3 })).toBe(2);
  });

  it('re-tempers the probabilities before applying the threshold', () => {
    // At T = 2, [0.8, 0.2] becomes [√0.8, √0.2] normalised = [2/3, 1/3].
    expect(applyDecision([0.8, 0.2], { threshold: 0.3 })).toBe(0);
    expect(applyDecision([0.8, 0.2], { temperature: 2, threshold: 0.3 })).toBe(1);
    expect(applyDecision([0.8, 0.2], { temperature: 2, threshold: 0.34 })).toBe(0);
  });

  it('decides as if the logits had been calibrated at the temperature', () => {
    const logits = [1.5, -0.5];
    const threshold = calibrate(logits, 4)[1]!;
    expect(applyDecision(softmax(logits), { temperature: 4, threshold: threshold - 1e-9 })).toBe(1);
    expect(applyDecision(softmax(logits), { temperature: 4, threshold: threshold + 1e-9 })).toBe(0);
  });
});
