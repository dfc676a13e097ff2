import { applyDecision } from '../../../core/ml/calibration';
import { decideWithOffsets, tuneClassOffsets } from '../../../core/ml/class-offsets';

/** Four validation rows per class; the class-2 rows lean to class 0 (0.5 against 0.4): argmax never decides 2. */
const ROWS = [
  ...Array.from({ length: 4 }, () => [0.6, 0.1, 0.3]),
  ...Array.from({ length: 4 }, () => [0.1, 0.8, 0.1]),
  ...Array.from({ length: 4 }, () => [0.5, 0.1, 0.4]),
];
const TRUTH = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];

describe('tuneClassOffsets', () => {
  it('finds the offset that recovers an under-predicted class, and reports macro-F1 before and after', () => {
    const choice = tuneClassOffsets(ROWS, TRUTH, 3);

    // Class 0 is tuned first: −0.25 lowers 0.5 to 0.389 < 0.4 on the class-2 rows and keeps 0.467 > 0.3 on its own.
    expect(choice.offsets).toEqual([-0.25, 0, 0]);
    // Argmax: class 0 F1 = 8 / 12, class 1 F1 = 1, class 2 F1 = 0.
    expect(choice.macroF1Before).toBeCloseTo((2 / 3 + 1) / 3, 12);
    expect(choice.macroF1After).toBe(1);
    expect(ROWS.map((p) => decideWithOffsets(p, choice.offsets))).toEqual(TRUTH);
  });

  it('keeps plain argmax (all offsets 0) when no offset raises validation macro-F1', () => {
    const rows = [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ];

    expect(tuneClassOffsets(rows, [0, 1, 2], 3)).toEqual({ offsets: [0, 0, 0], macroF1Before: 1, macroF1After: 1 });
  });

  it('gives zeros for no rows, and refuses labels outside the classes', () => {
    expect(tuneClassOffsets([], [], 4).offsets).toEqual([0, 0, 0, 0]);
    expect(() => tuneClassOffsets([[0.5, 0.3, 0.2]], [3], 3)).toThrow(RangeError);
    expect(() => tuneClassOffsets([[0.5, 0.3, 0.2]], [], 3)).toThrow(RangeError);
  });
});

describe('applyDecision with class offsets', () => {
  it('decides the argmax of log p + offset for three or more classes, first class on ties', () => {
    expect(applyDecision([0.5, 0.1, 0.4], { classOffsets: [0, 0, 0.25] })).toBe(2);
    expect(applyDecision([0.5, 0.1, 0.4], { classOffsets: [0, 0, 0.2] })).toBe(0);
    expect(applyDecision([0.4, 0.2, 0.4], { classOffsets: [0, 0, 0] })).toBe(0);
  });

  it('leaves binary rows to the threshold and ignores offsets there', () => {
    expect(applyDecision([0.6, 0.4], { threshold: 0.3, classOffsets: [5, 0] })).toBe(1);
  });
});
