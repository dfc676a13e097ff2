/**
 * The files of a pretrained teacher in a local folder: checked for presence before anything is
 * loaded (so a missing model fails fast, offline, naming what is missing), and hashed into the
 * teacher's lineage identity.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { TeacherNotFoundError } from '../../../common/errors';
import { sha256 } from '../../util/hash';

/**
 * Throws unless every file in `files` (paths relative to `folder`) exists.
 * @throws TeacherNotFoundError naming `folder` and the missing files, in the order given.
 */
export async function assertModelFiles(folder: string, files: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const file of files) await access(join(folder, file)).catch(() => missing.push(file));
  if (missing.length > 0) throw new TeacherNotFoundError(folder, missing);
}

/**
 * SHA-256 over the sorted `file:sha256` lines of per-file hashes: the weights digest recorded in
 * a teacher's identity. Independent of the order in which files are listed.
 */
export function combinedSha256(fileHashes: Readonly<Record<string, string>>): string {
  return sha256(
    Object.entries(fileHashes)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, hash]) => `${file}:${hash}`)
      .join('\n'),
  );
}

/** Hashes of the files of a folder and their total size. */
export interface HashedModelFiles {
  readonly fileHashes: Record<string, string>;
  readonly bytes: number;
}

/** Reads and hashes `files` of `folder` (one at a time, so a 90 MB model is held once). */
export async function hashModelFiles(folder: string, files: readonly string[]): Promise<HashedModelFiles> {
  const fileHashes: Record<string, string> = {};
  let bytes = 0;
  for (const file of files) {
    const content = await readFile(join(folder, file));
    fileHashes[file] = sha256(content);
    bytes += content.byteLength;
  }
  return { fileHashes, bytes };
}
