/**
 * `distillery train --config <file.json>`: the file's fields under the flags, merged section by
 * section, relative paths resolved against the working directory, and one-line errors naming the
 * file or the field; the last tests run the command as a user runs it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { mergeConfig, readConfigFile, trainConfigInput } from '../../../cli/train-config';
import { parsePipelineConfig } from '../../../common/config';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** Runs the CLI from the sources; resolves with the exit code and both streams. */
async function distillery(...args: string[]) {
  try {
    const { stdout, stderr } = await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['cli/main.ts', ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('mergeConfig', () => {
  it('lets a flag override one field of a section and keeps the file’s other fields of it', () => {
    const file = { student: { hidden: 32, epochs: 9 }, distillation: { alpha: 0.5 }, seed: 7 };

    expect(mergeConfig(file, { student: { epochs: 2 }, distillation: { temperature: 3, alpha: undefined } })).toEqual({
      student: { hidden: 32, epochs: 2 },
      distillation: { alpha: 0.5, temperature: 3 },
      seed: 7,
    });
  });

  it('ignores flags that were not given, replaces arrays, and leaves the file’s object untouched', () => {
    const file = { label: 'y', features: ['a', 'b'], csv: { delimiter: ';' } };

    const merged = mergeConfig(file, { label: undefined, features: ['c'], csv: { delimiter: undefined } });

    expect(merged).toEqual({ label: 'y', features: ['c'], csv: { delimiter: ';' } });
    expect(file).toEqual({ label: 'y', features: ['a', 'b'], csv: { delimiter: ';' } });
  });

  it('keeps a file field that is not an object under a flag’s section, so validation names it', () => {
    const merged = mergeConfig({ student: 3 }, { student: { epochs: 2 } });

    expect(merged).toEqual({ student: 3 });
    expect(() => parsePipelineConfig({ ...merged, dataPath: '/d.csv', label: 'y', modelName: 'm' })).toThrow(
      'invalid configuration: student: Invalid input: expected object, received number',
    );
  });
});

describe('trainConfigInput', () => {
  const cwd = '/work/project';

  it('validates to the file’s teacher and sections with the flags over them and paths from the cwd', () => {
    const file = {
      dataPath: 'data/reviews.csv',
      testDataPath: '/abs/test.csv',
      label: 'rating',
      modelName: 'reviews',
      teacher: { kind: 'onnx', path: 'models/all-MiniLM-L6-v2' },
      student: { hidden: 32, classWeights: 'none' },
      dedupe: { nearDuplicates: true, conflictPolicy: 'drop' },
    };

    const config = parsePipelineConfig(trainConfigInput(file, { student: { epochs: 2 }, text: 'body' }, cwd));

    expect(config).toMatchObject({
      dataPath: '/work/project/data/reviews.csv',
      testDataPath: '/abs/test.csv',
      label: 'rating',
      text: 'body',
      modelName: 'reviews',
      teacher: { kind: 'onnx', path: '/work/project/models/all-MiniLM-L6-v2', batchSize: 32 },
      student: { hidden: 32, epochs: 2, classWeights: 'none', charBuckets: 4096 },
      dedupe: { nearDuplicates: true, conflictPolicy: 'drop', threshold: 0.8 },
    });
  });

  it('takes the model name from --model over the file, from the file over the default, else "model"', () => {
    const file = { dataPath: 'a.csv', label: 'y', modelName: 'from-file' };

    expect(trainConfigInput(file, { modelName: 'from-flag' }, cwd).modelName).toBe('from-flag');
    expect(trainConfigInput(file, { modelName: undefined }, cwd).modelName).toBe('from-file');
    expect(trainConfigInput({}, { dataPath: 'a.csv', label: 'y' }, cwd)).toEqual({
      dataPath: '/work/project/a.csv',
      label: 'y',
      modelName: 'model',
    });
  });

  it.each([
    [{ label: 'y' }, 'invalid configuration: dataPath: give --data <file>, or dataPath in the --config file'],
    [{ dataPath: 'a.csv' }, 'invalid configuration: label: give --label <column>, or label in the --config file'],
  ])('refuses %j, which lacks a required field, naming it', (flags, message) => {
    expect(() => trainConfigInput({}, flags, cwd)).toThrow(message);
  });

  it('leaves an invalid field of the file to the validation, which names it', () => {
    const input = trainConfigInput({ dataPath: 'a.csv', label: 'y', teacher: { kind: 'onnx' } }, {}, cwd);

    expect(() => parsePipelineConfig(input)).toThrow(
      "invalid configuration: teacher.path: kind 'onnx' needs exactly one of path and modelId",
    );
  });
});

describe('readConfigFile', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-config-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads a JSON object of configuration fields', async () => {
    const file = write('ok.json', '{"teacher": {"kind": "onnx", "path": "models/all-MiniLM-L6-v2"}}');

    expect(await readConfigFile(file)).toEqual({ teacher: { kind: 'onnx', path: 'models/all-MiniLM-L6-v2' } });
  });

  it('names the file when it is missing, not JSON, or not an object', async () => {
    const missing = path.join(dir, 'missing.json');
    const broken = write('broken.json', '{"seed": 1,}');
    const array = write('array.json', '[1, 2]');
    const empty = write('null.json', 'null');

    await expect(readConfigFile(missing)).rejects.toThrow(
      `invalid configuration: --config: ${missing} cannot be read: ENOENT`,
    );
    await expect(readConfigFile(broken)).rejects.toThrow(
      `invalid configuration: --config: ${broken} is not JSON: ` +
        'Expected double-quoted property name in JSON at position 11',
    );
    await expect(readConfigFile(array)).rejects.toThrow(
      `invalid configuration: --config: ${array} must hold a JSON object of configuration fields, not an array`,
    );
    await expect(readConfigFile(empty)).rejects.toThrow(
      `invalid configuration: --config: ${empty} must hold a JSON object of configuration fields, not null`,
    );
  });

  it('is reported by `distillery train` as one typed line, before anything starts', async () => {
    const broken = write('run.json', 'teacher: onnx');
    const unlabelled = write('unlabelled.json', JSON.stringify({ dataPath: broken }));

    const notJson = await distillery('train', '--config', broken, '--data', broken, '--label', 'y');
    const noLabel = await distillery('train', '--config', unlabelled);

    expect(notJson.code).toBe(1);
    expect(notJson.stderr.trim()).toBe(
      `error [InvalidConfig]: invalid configuration: --config: ${broken} is not JSON: ` +
        `Unexpected token 'e', "teacher: onnx" is not valid JSON`,
    );
    expect(noLabel.code).toBe(1);
    expect(noLabel.stderr.trim()).toBe(
      'error [InvalidConfig]: invalid configuration: label: give --label <column>, or label in the --config file',
    );
  });
});
