/**
 * Teacher embeddings cached by (teacher identity, text hash), so that a re-run or a second
 * student skips the expensive encoder pass for every text it has seen. One small binary file
 * per text: `<root>/<teacher sha256>/<first two hex>/<text sha256>.f32`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

import { sha256 } from '../core/util/hash';

/** A cache of float32 vectors keyed by teacher and text. */
export class EmbeddingCache {
  constructor(private readonly root: string) {}

  /** The cached vectors of `texts` (undefined where missing). */
  async lookup(
    teacherSha256: string,
    texts: readonly string[],
    dimension: number,
  ): Promise<(Float32Array | undefined)[]> {
    return Promise.all(texts.map((text) => this.read(this.pathOf(teacherSha256, text), dimension)));
  }

  /** Stores vectors; each file is written whole and renamed into place. */
  async store(teacherSha256: string, texts: readonly string[], vectors: readonly Float32Array[]): Promise<void> {
    for (let i = 0; i < texts.length; i++) {
      const path = this.pathOf(teacherSha256, texts[i]!);
      await mkdir(join(path, '..'), { recursive: true });
      const temp = `${path}.${randomUUID()}.tmp`;
      const vector = vectors[i]!;
      await writeFile(temp, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
      await rename(temp, path);
    }
  }

  private pathOf(teacherSha256: string, text: string): string {
    const key = sha256(text);
    return join(this.root, teacherSha256, key.slice(0, 2), `${key}.f32`);
  }

  private async read(path: string, dimension: number): Promise<Float32Array | undefined> {
    const bytes = await readFile(path).catch(() => undefined);
    // A file of the wrong size (an interrupted write from an older version) counts as a miss.
    if (!bytes || bytes.byteLength !== dimension * 4) return undefined;
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
}
