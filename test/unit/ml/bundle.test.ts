import { createBundlePredictor, decide, type StudentBundle } from '../../../core/bundle';
import type { StudentFeatureSpec } from '../../../core/ml/student/features';
import { createStudentPredictor, serializeStudent, studentShape } from '../../../core/ml/student/model';
import { initialWeights } from '../../../core/ml/train-mlp';

const SPEC: StudentFeatureSpec = {
  vocabulary: ['free', 'win'],
  ngramMax: 1,
  charBuckets: 8,
  tabular: ['amount', 'colour=blue', 'colour=red', 'colour=__unknown__'],
};
const STUDENT = {
  spec: SPEC,
  classes: ['ham', 'spam'],
  hidden: 4,
  weights: initialWeights(studentShape(SPEC, 4, 2), 3),
};

/** amount is z-scored with mean 10 and std 5; colour is one-hot over blue and red, plus the unknown bucket. */
const BUNDLE: StudentBundle = {
  format: 'distillery-student-bundle/1',
  decision: { temperature: 1 },
  transform: {
    label: 'label',
    text: 'note',
    labels: ['ham', 'spam'],
    fitted: {
      version: 1,
      numeric: [{ name: 'amount', mean: 10, std: 5, zeroVariance: false, missingIndicator: false }],
      categorical: [{ name: 'colour', categories: ['blue', 'red'], rare: [] }],
    },
  },
  student: serializeStudent(STUDENT),
};

describe('createBundlePredictor', () => {
  const predict = createBundlePredictor(BUNDLE);

  it('returns one probability row per record, each summing to 1', () => {
    const rows = predict([
      { note: 'Win a free prize', amount: 20, colour: 'red' },
      { note: 'see you at lunch', amount: '7', colour: 'blue' },
    ]);

    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toHaveLength(2);
      expect(Math.abs(row[0]! + row[1]! - 1)).toBeLessThan(1e-12);
    }
  });

  it('applies the fitted transform exactly as training did before the student sees the record', () => {
    const [row] = predict([{ note: 'Win a free prize', amount: 20, colour: 'red' }]);

    // amount (20 − 10) / 5 = 2; colour=red is the second one-hot column.
    expect(Array.from(row!)).toEqual(Array.from(createStudentPredictor(STUDENT)('Win a free prize', [2, 0, 1, 0])));
  });

  it('cleans raw cells as the clean step did: entities decoded in the text, categories trimmed, NFC', () => {
    const [raw] = predict([{ note: 'Win a &quot;free&quot; prize', amount: 20, colour: '  red ' }]);
    const [decomposed] = predict([{ note: 'caf\u0065\u0301 &amp; win', amount: 20, colour: 'red' }]);

    const cleaned = createStudentPredictor(STUDENT)('Win a "free" prize', [2, 0, 1, 0]);
    expect(Array.from(raw!)).toEqual(Array.from(cleaned));
    const composed = createStudentPredictor(STUDENT)('caf\u00e9 & win', [2, 0, 1, 0]);
    expect(Array.from(decomposed!)).toEqual(Array.from(composed));
  });

  it('redacts PII in raw text when training did, and only then', () => {
    const redacting = createBundlePredictor({ ...BUNDLE, transform: { ...BUNDLE.transform, redactPii: true } });
    const record = { note: 'win, mail me at jo@example.com', amount: 20, colour: 'red' };

    const redacted = createStudentPredictor(STUDENT)('win, mail me at <email>', [2, 0, 1, 0]);
    expect(Array.from(redacting([record])[0]!)).toEqual(Array.from(redacted));
    const kept = createStudentPredictor(STUDENT)('win, mail me at jo@example.com', [2, 0, 1, 0]);
    expect(Array.from(predict([record])[0]!)).toEqual(Array.from(kept));
  });

  it('sends an unseen category to the unknown bucket instead of throwing', () => {
    const [unseen, missing] = predict([
      { note: 'hello', amount: 10, colour: 'green' },
      { note: 'hello', amount: 10, colour: null },
    ]);

    expect(Array.from(unseen!)).toEqual(Array.from(createStudentPredictor(STUDENT)('hello', [0, 0, 0, 1])));
    expect(Array.from(unseen!)).toEqual(Array.from(missing!));
  });

  it('treats absent columns as missing values', () => {
    const [row] = predict([{}]);

    expect(Array.from(row!)).toEqual(Array.from(createStudentPredictor(STUDENT)('', [0, 0, 0, 1])));
  });

  it('applies the stored temperature to the logits and the stored threshold to the decision', () => {
    const record = { note: 'Win a free prize', amount: 20, colour: 'red' };
    const [plain] = predict([record]);
    const [warm] = createBundlePredictor({ ...BUNDLE, decision: { temperature: 4 } })([record]);
    const logitGap = Math.log(plain![1]! / plain![0]!);

    expect(Math.log(warm![1]! / warm![0]!)).toBeCloseTo(logitGap / 4, 10);
    expect(decide({ temperature: 1, threshold: 0 }, plain!)).toBe(1);
    expect(decide({ temperature: 1, threshold: 1.01 }, plain!)).toBe(0);
    expect(decide({ temperature: 1 }, [0.3, 0.7])).toBe(1);
  });
});
