/** The student: sparse features of the raw record into a small dense network. */
import { softmax } from '../metrics';
import { decodeWeights, encodeWeights, mlpLogits, type MlpShape, type MlpWeights } from '../mlp';
import { createFeaturizer, featureDimension, type StudentFeatureSpec } from './features';

/** A trained student with everything prediction needs. */
export interface StudentModel {
  readonly spec: StudentFeatureSpec;
  readonly classes: readonly string[];
  readonly hidden: number;
  readonly weights: MlpWeights;
}

/** The network shape of a student: an embedding bag's hidden layer is linear. */
export function studentShape(spec: StudentFeatureSpec, hidden: number, classes: number): MlpShape {
  const shape = { inputs: featureDimension(spec), hidden, classes };
  return spec.architecture === 'embedding-bag' ? { ...shape, activation: 'linear' } : shape;
}

/** Returns a predictor from a raw record (text plus standardized tabular values) to class probabilities. */
export function createStudentPredictor(
  model: StudentModel,
): (text: string, tabular: readonly number[]) => Float64Array {
  const featurize = createFeaturizer(model.spec);
  const shape = studentShape(model.spec, model.hidden, model.classes.length);
  return (text, tabular) => softmax(mlpLogits(shape, model.weights, featurize(text, tabular)));
}

/** JSON form of a student. */
export interface SerializedStudent {
  readonly format: 'distillery-student/1';
  readonly spec: StudentFeatureSpec;
  readonly classes: readonly string[];
  readonly hidden: number;
  readonly weights: Readonly<Record<keyof MlpWeights, string>>;
}

/** Serialises a student for the artifact store. */
export function serializeStudent(model: StudentModel): SerializedStudent {
  const { spec, classes, hidden } = model;
  return { format: 'distillery-student/1', spec, classes, hidden, weights: encodeWeights(model.weights) };
}

/** Restores a serialised student, checking the weight shapes against its spec. */
export function deserializeStudent(data: SerializedStudent): StudentModel {
  const shape = studentShape(data.spec, data.hidden, data.classes.length);
  return { spec: data.spec, classes: data.classes, hidden: data.hidden, weights: decodeWeights(data.weights, shape) };
}
