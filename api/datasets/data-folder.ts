/** Confines the data files a run may read to the data folder (`DISTILLERY_DATA_DIR`). */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

import { validationError } from '../http/validation';

/** Whether `path` is `folder` or lies below it (both absolute and normalised). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The real path of `requested` (relative to `dataDir`, or absolute inside it), refusing any path
 * that leaves the folder, by `..` or by a symbolic link.
 * @throws BadRequestException naming `field` when the path escapes the folder or does not exist.
 */
export async function resolveDataPath(dataDir: string, requested: string, field: string): Promise<string> {
  const refuse = (message: string) => validationError([{ field, message }]);
  const candidate = resolve(dataDir, requested);
  if (!isInside(dataDir, candidate)) throw refuse(`'${requested}' is outside the data folder`);
  const real = await realpath(candidate).catch(() => {
    throw refuse(`'${requested}' does not exist in the data folder`);
  });
  if (!isInside(await realpath(dataDir), real)) throw refuse(`'${requested}' links outside the data folder`);
  return real;
}
