/**
 * The content-addressed artifact store. Artifacts are immutable files named by the SHA-256 of
 * their bytes; every read verifies that hash, so no step ever computes on corrupted data.
 * The local implementation keeps them in a folder; production can put an object store behind
 * the same interface.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { ArtifactKind } from '../common/constants';
import type { ArtifactRef } from '../common/contracts';
import { IntegrityError } from '../common/errors';

/** Where artifacts live and how they are read back. */
export interface ArtifactStore {
  /** Stores bytes; returns their reference. Storing the same bytes twice is a no-op. */
  putBytes(kind: ArtifactKind, bytes: Uint8Array, extension: string): Promise<ArtifactRef>;
  /** Moves a finished file (e.g. one DuckDB wrote at {@link tempPath}) into the store. */
  putFile(kind: ArtifactKind, path: string, extension: string): Promise<ArtifactRef>;
  /** Stores a value as canonical JSON. */
  putJson(kind: ArtifactKind, value: unknown): Promise<ArtifactRef>;
  /** The artifact's bytes, after checking them against `ref.sha256`. */
  getBytes(ref: ArtifactRef): Promise<Buffer>;
  /** A parsed JSON artifact, after checking its hash. */
  getJson<T>(ref: ArtifactRef): Promise<T>;
  /** A local path to the verified artifact, for readers that take paths (DuckDB). */
  localPath(ref: ArtifactRef): Promise<string>;
  /** A fresh path in the store's scratch folder for a file about to be stored. */
  tempPath(extension: string): Promise<string>;
}

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An artifact store in a local folder: `<root>/sha256/<first two hex>/<hash>.<ext>`. */
export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async putBytes(kind: ArtifactKind, bytes: Uint8Array, extension: string): Promise<ArtifactRef> {
    const path = await this.tempPath(extension);
    await writeFile(path, bytes);
    return this.putFile(kind, path, extension);
  }

  async putFile(kind: ArtifactKind, path: string, extension: string): Promise<ArtifactRef> {
    const hash = await sha256File(path);
    const target = this.pathFor(hash, extension);
    await mkdir(join(target, '..'), { recursive: true });
    const { size } = await stat(path);
    // rename is atomic within one file system: a reader never sees a half-written artifact.
    await rename(path, target);
    return { uri: pathToFileURL(target).href, sha256: hash, kind, bytes: size };
  }

  async putJson(kind: ArtifactKind, value: unknown): Promise<ArtifactRef> {
    return this.putBytes(kind, Buffer.from(JSON.stringify(value)), 'json');
  }

  async getBytes(ref: ArtifactRef): Promise<Buffer> {
    const bytes = await readFile(this.pathOf(ref));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== ref.sha256) throw new IntegrityError(ref.uri, ref.sha256, actual);
    return bytes;
  }

  async getJson<T>(ref: ArtifactRef): Promise<T> {
    return JSON.parse((await this.getBytes(ref)).toString('utf8')) as T;
  }

  async localPath(ref: ArtifactRef): Promise<string> {
    const path = this.pathOf(ref);
    const actual = await sha256File(path);
    if (actual !== ref.sha256) throw new IntegrityError(ref.uri, ref.sha256, actual);
    return path;
  }

  async tempPath(extension: string): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, `${randomUUID()}.${extension}`);
  }

  /** Removes the scratch folder (left-overs of interrupted writes). */
  async clearTemp(): Promise<void> {
    await rm(join(this.root, 'tmp'), { recursive: true, force: true });
  }

  private pathFor(hash: string, extension: string): string {
    return join(this.root, 'sha256', hash.slice(0, 2), `${hash}.${extension}`);
  }

  private pathOf(ref: ArtifactRef): string {
    if (!ref.uri.startsWith('file://')) throw new Error(`not a local artifact: ${ref.uri}`);
    const path = fileURLToPath(ref.uri);
    if (!path.startsWith(this.root)) throw new Error(`artifact ${ref.uri} is outside the store ${this.root}`);
    return path;
  }
}
