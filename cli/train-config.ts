/**
 * The configuration of `distillery train`: the fields of a `--config` JSON file, with the flags given
 * on the command line merged over them section by section, and relative paths resolved against the
 * current working directory.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import type { PipelineConfigInput } from '../common/config';
import { InvalidConfigError } from '../common/errors';

/** The option that names the configuration file; errors about the file name it. */
export const CONFIG_OPTION = '--config';

/** The default registered model name when neither `--model` nor the file's `modelName` gives one. */
export const DEFAULT_MODEL_NAME = 'model';

type JsonObject = Record<string, unknown>;

/**
 * Reads a `--config` file: a JSON object of pipeline configuration fields (common/config.ts).
 * @throws InvalidConfigError naming `--config` and the file when it cannot be read, is not JSON, or
 *   holds something other than an object.
 */
export async function readConfigFile(path: string): Promise<JsonObject> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidConfigError(CONFIG_OPTION, `${file} cannot be read: ${error.code ?? error.message}`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(CONFIG_OPTION, `${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) {
    const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new InvalidConfigError(CONFIG_OPTION, `${file} must hold a JSON object of configuration fields, not ${what}`);
  }
  return parsed;
}

/**
 * `overrides` merged over `base`: a field set in both takes the override's value, except that two
 * objects are merged field by field (so `--epochs` sets `student.epochs` and keeps the file's
 * `student.hidden`). Undefined overrides are ignored; arrays are replaced, not concatenated. A base
 * field that is not an object stays as it is under an object override, so validation reports it.
 */
export function mergeConfig(base: JsonObject, overrides: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = merged[key];
    if (isObject(value) && current !== undefined) {
      if (isObject(current)) merged[key] = mergeConfig(current, value);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/**
 * The configuration a `train` command asks for: the file's fields (if any) under the flags, paths
 * (`dataPath`, `testDataPath`, `teacher.path`) resolved against `cwd`, and the default model name.
 * @throws InvalidConfigError naming `dataPath` or `label` when neither a flag nor the file gives it.
 */
export function trainConfigInput(
  file: JsonObject,
  flags: Partial<Record<keyof PipelineConfigInput, unknown>>,
  cwd = process.cwd(),
): PipelineConfigInput {
  const merged = mergeConfig(file, flags);
  if (merged.dataPath === undefined) {
    throw new InvalidConfigError('dataPath', `give --data <file>, or dataPath in the ${CONFIG_OPTION} file`);
  }
  if (merged.label === undefined) {
    throw new InvalidConfigError('label', `give --label <column>, or label in the ${CONFIG_OPTION} file`);
  }
  merged.modelName ??= DEFAULT_MODEL_NAME;
  for (const key of ['dataPath', 'testDataPath'] as const) {
    if (typeof merged[key] === 'string' && merged[key] !== '') merged[key] = resolve(cwd, merged[key]);
  }
  const teacher = merged.teacher;
  if (isObject(teacher) && typeof teacher.path === 'string' && teacher.path !== '') {
    merged.teacher = { ...teacher, path: resolve(cwd, teacher.path) };
  }
  // The shape is checked by parsePipelineConfig, which names the field at fault.
  return merged as PipelineConfigInput;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
