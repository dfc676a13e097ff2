import { parsePipelineConfig } from '../../../../common/config';
import { DistilleryError } from '../../../../common/errors';

const BASE = { dataPath: '/data/x.csv', label: 'label', text: 'text', modelName: 'spam' };

function configError(teacher: object): DistilleryError {
  try {
    parsePipelineConfig({ ...BASE, teacher });
  } catch (error) {
    if (error instanceof DistilleryError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('teacher configuration', () => {
  it('defaults to USE Lite, offline', () => {
    const { teacher } = parsePipelineConfig(BASE);

    expect(teacher).toMatchObject({ kind: 'use-lite', allowRemoteModels: false });
    expect(teacher.path).toBeUndefined();
  });

  it('accepts an onnx teacher from a local folder and a registered teacher by version or alias', () => {
    expect(parsePipelineConfig({ ...BASE, teacher: { kind: 'onnx', path: 'models/m' } }).teacher.path).toBe('models/m');
    expect(parsePipelineConfig({ ...BASE, teacher: { kind: 'registered', model: 'spam@3' } }).teacher.model).toBe(
      'spam@3',
    );
    expect(
      parsePipelineConfig({ ...BASE, teacher: { kind: 'registered', model: 'spam@production' } }).teacher.model,
    ).toBe('spam@production');
  });

  it.each([
    [{ kind: 'onnx' }, "invalid configuration: teacher.path: kind 'onnx' needs exactly one of path and modelId"],
    [
      { kind: 'onnx', path: 'a', modelId: 'org/b' },
      "invalid configuration: teacher.path: kind 'onnx' needs exactly one of path and modelId",
    ],
    [{ kind: 'registered' }, "invalid configuration: teacher.model: kind 'registered' needs model (name@version)"],
    [{ kind: 'use-lite', path: 'a' }, "invalid configuration: teacher.path: applies to kind 'onnx' only"],
    [
      { kind: 'onnx', path: 'a', model: 'spam@1' },
      "invalid configuration: teacher.model: applies to kind 'registered' only",
    ],
    [
      { kind: 'registered', model: 'spam' },
      'invalid configuration: teacher.model: name@version or name@alias, e.g. spam@3 or spam@production',
    ],
    [
      { kind: 'onnx', modelId: 'not a/valid/id' },
      'invalid configuration: teacher.modelId: a Hugging Face id such as org/name',
    ],
    [{ kind: 'bert' }, 'invalid configuration: teacher.kind: '],
  ])('rejects %j with a message naming the field', (teacher, message) => {
    const error = configError(teacher);

    expect(error.type).toBe('InvalidConfig');
    expect(error.message.startsWith(message)).toBe(true);
  });
});
