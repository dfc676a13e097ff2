import { softmax } from '../../../core/ml/metrics';
import { mlpLogits } from '../../../core/ml/mlp';
import { createFeaturizer, featureDimension, type StudentFeatureSpec } from '../../../core/ml/student/features';
import {
  createStudentPredictor,
  deserializeStudent,
  serializeStudent,
  studentShape,
  type StudentModel,
} from '../../../core/ml/student/model';
import { initialWeights } from '../../../core/ml/train-mlp';

const SPEC: StudentFeatureSpec = {
  vocabulary: ['free', 'win', 'call now'],
  ngramMax: 2,
  charBuckets: 32,
  tabular: ['x'],
};

function student(): StudentModel {
  const shape = studentShape(SPEC, 5, 3);
  return { spec: SPEC, classes: ['a', 'b', 'c'], hidden: 5, weights: initialWeights(shape, 11) };
}

describe('studentShape', () => {
  it('takes its input width from the feature spec', () => {
    expect(studentShape(SPEC, 5, 3)).toEqual({ inputs: featureDimension(SPEC), hidden: 5, classes: 3 });
    expect(featureDimension(SPEC)).toBe(36);
  });
});

describe('createStudentPredictor', () => {
  it('returns the softmax of the network logits on the featurised record', () => {
    const model = student();
    const shape = studentShape(SPEC, 5, 3);

    const probabilities = createStudentPredictor(model)('Win a FREE prize, call now', [1.5]);

    const expected = softmax(
      mlpLogits(shape, model.weights, createFeaturizer(SPEC)('Win a FREE prize, call now', [1.5])),
    );
    expect(Array.from(probabilities)).toEqual(Array.from(expected));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('serializeStudent and deserializeStudent', () => {
  it('round-trip a student exactly, through JSON', () => {
    const model = student();

    const restored = deserializeStudent(JSON.parse(JSON.stringify(serializeStudent(model))));

    expect(restored).toEqual(model);
    expect(serializeStudent(model).format).toBe('distillery-student/1');
  });

  it('rejects a serialised student whose weights do not fit its spec', () => {
    const serialized = serializeStudent(student());

    expect(() => deserializeStudent({ ...serialized, hidden: 6 })).toThrow(/do not match the network/);
    expect(() => deserializeStudent({ ...serialized, spec: { ...SPEC, charBuckets: 31 } })).toThrow(
      /do not match the network/,
    );
  });
});
