/**
 * ONNX teachers run by transformers.js (`@huggingface/transformers`, ONNX Runtime on the CPU): a
 * feature-extraction encoder (token states → masked mean → L2 norm, as sentence-transformers does)
 * or a sequence-classification model (its logits are the features the teacher's head learns from).
 *
 * A model is read from a local folder in the layout transformers.js expects (config.json,
 * tokenizer.json, tokenizer_config.json, onnx/model.onnx). Nothing is fetched unless
 * `allowRemoteModels` is set and a `modelId` is given: then a missing model is downloaded from
 * the Hugging Face hub into `<modelsRoot>/<modelId>` first.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import type * as TransformersModule from '@huggingface/transformers';
import type { PreTrainedTokenizer } from '@huggingface/transformers';

import { IntegrityError } from '../../../common/errors';
import { assertModelFiles, combinedSha256, hashModelFiles } from './model-files';
import { startOnnxRunner, type OnnxRunner } from './onnx-runner';
import { meanPoolNormalized } from './pooling';
import type { EmbedProgress, SentenceEncoder, TeacherIdentity } from './types';

/** Files a local ONNX teacher folder must hold, checked before anything is loaded. */
export const ONNX_TEACHER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

/**
 * Optional manifest written by an install script (scripts/install-teacher-minilm.sh): the teacher's
 * name and version, and the SHA-256 every file must have.
 */
export const TEACHER_MANIFEST = 'teacher.json';

/** Where an ONNX teacher comes from. Exactly one of `path` and `modelId` is set. */
export interface OnnxTeacherSource {
  /** A local model folder. */
  readonly path?: string;
  /** A Hugging Face model id, looked up as `<modelsRoot>/<modelId>`. */
  readonly modelId?: string;
  /** Folder of models named by id. Default `models/` of the working directory. */
  readonly modelsRoot?: string;
  /** Download a missing `modelId` from the hub. Default false: offline, fail fast. */
  readonly allowRemoteModels?: boolean;
}

/** Options of {@link loadOnnxTeacher}. */
export interface OnnxTeacherOptions {
  /** ONNX Runtime intra-op threads; unset → ONNX Runtime's default (one per physical core). */
  readonly threads?: number;
}

/**
 * Loads an ONNX teacher, verifying the files named by its manifest when it has one.
 * @throws TeacherNotFoundError naming the absolute folder and the missing files (offline, at once).
 * @throws IntegrityError when a file differs from the SHA-256 in its folder's `teacher.json`.
 */
export async function loadOnnxTeacher(
  source: OnnxTeacherSource,
  options: OnnxTeacherOptions = {},
): Promise<SentenceEncoder> {
  const folder = teacherFolder(source);
  const transformers = await configureTransformers(source.allowRemoteModels === true && !!source.modelId);
  if (source.allowRemoteModels && source.modelId) await downloadMissing(transformers, source, folder);
  await assertModelFiles(folder, ONNX_TEACHER_FILES);
  const identity = await identityOf(folder);

  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as ModelConfig;
  const classifier = isClassifier(config);
  const tokenizer = await transformers.AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const runner = await startOnnxRunner({ folder, classifier, threads: options.threads });
  const dimension = classifier ? Object.keys(config.id2label ?? {}).length : config.hidden_size;
  const maxTokens = await windowOf(folder, config);
  return new OnnxEncoder(tokenizer, runner, { ...identity, dimension, maxTokens, classifier });
}

/** The absolute folder a source names. */
export function teacherFolder(source: OnnxTeacherSource): string {
  if (source.path) return resolve(source.path);
  return resolve(source.modelsRoot ?? 'models', source.modelId ?? '');
}

type Transformers = typeof TransformersModule;

async function configureTransformers(allowRemoteModels: boolean): Promise<Transformers> {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = allowRemoteModels;
  transformers.env.allowLocalModels = true;
  transformers.env.useBrowserCache = false;
  return transformers;
}

async function downloadMissing(transformers: Transformers, source: OnnxTeacherSource, folder: string) {
  const present = await assertModelFiles(folder, ONNX_TEACHER_FILES).then(
    () => true,
    () => false,
  );
  if (present) return;
  // The file cache of transformers.js stores `<cache_dir>/<model id>/<file>`: the folder checked above.
  const cache = { cache_dir: resolve(source.modelsRoot ?? 'models') };
  await transformers.AutoTokenizer.from_pretrained(source.modelId!, cache);
  await transformers.AutoConfig.from_pretrained(source.modelId!, cache);
  await transformers.AutoModel.from_pretrained(source.modelId!, { ...cache, dtype: 'fp32' }).then((m) => m.dispose());
}

interface ModelConfig {
  readonly architectures?: readonly string[];
  readonly hidden_size: number;
  readonly max_position_embeddings?: number;
  readonly id2label?: Readonly<Record<string, string>>;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly files: Readonly<Record<string, string>>;
}

/** Identity and size: from the verified manifest when there is one, else from the folder itself. */
async function identityOf(folder: string): Promise<{ identity: TeacherIdentity; bytes: number }> {
  const manifest = await readFile(join(folder, TEACHER_MANIFEST), 'utf8').then(
    (text) => JSON.parse(text) as Manifest,
    () => undefined,
  );
  const files = manifest ? Object.keys(manifest.files) : ONNX_TEACHER_FILES;
  await assertModelFiles(folder, files);
  const { fileHashes, bytes } = await hashModelFiles(folder, files);
  for (const [file, expected] of Object.entries(manifest?.files ?? {})) {
    if (fileHashes[file] !== expected) throw new IntegrityError(join(folder, file), expected, fileHashes[file]!);
  }
  const name = manifest?.name ?? basename(folder);
  const version = manifest?.version ?? 'local folder';
  return { identity: { name, version, sha256: combinedSha256(fileHashes) }, bytes };
}

/**
 * The model's token window: the smallest of sentence-transformers' `max_seq_length` (256 for
 * all-MiniLM-L6-v2, the length it was trained on), the tokenizer's `model_max_length` and the
 * model's position limit, among those the folder states.
 */
async function windowOf(folder: string, config: ModelConfig): Promise<number> {
  const read = (file: string) =>
    readFile(join(folder, file), 'utf8').then(
      (text) => JSON.parse(text) as Record<string, unknown>,
      () => ({}) as Record<string, unknown>,
    );
  const candidates = [
    (await read('sentence_bert_config.json')).max_seq_length,
    (await read('tokenizer_config.json')).model_max_length,
    config.max_position_embeddings,
  ].filter((n): n is number => typeof n === 'number' && n > 0 && n < 1e6);
  return candidates.length > 0 ? Math.min(...candidates) : DEFAULT_WINDOW;
}

/** The window of a model whose folder states none (BERT's position limit). */
const DEFAULT_WINDOW = 512;

function isClassifier(config: ModelConfig): boolean {
  return (config.architectures ?? []).some((a) => a.endsWith('ForSequenceClassification'));
}

interface EncoderFacts {
  readonly identity: TeacherIdentity;
  readonly bytes: number;
  readonly dimension: number;
  readonly maxTokens: number;
  readonly classifier: boolean;
}

class OnnxEncoder implements SentenceEncoder {
  readonly identity: TeacherIdentity;
  readonly bytes: number;
  readonly dimension: number;
  readonly maxTokens: number;

  constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly runner: OnnxRunner,
    private readonly facts: EncoderFacts,
  ) {
    ({ identity: this.identity, bytes: this.bytes, dimension: this.dimension, maxTokens: this.maxTokens } = facts);
  }

  async embed(texts: readonly string[], options: { batchSize: number; onProgress?: EmbedProgress }) {
    const lengths = texts.map((text) => this.tokenizer.encode(text).length);
    const truncated = lengths.filter((n) => n > this.maxTokens).length;
    // Batches of similar length waste less work on padding.
    const order = texts.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]!);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += options.batchSize) {
      const rows = order.slice(start, start + options.batchSize);
      const embedded = await this.run(rows.map((r) => texts[r]!));
      rows.forEach((row, i) => (vectors[row] = embedded[i]!));
      await options.onProgress?.(Math.min(start + options.batchSize, order.length), order.length);
    }
    return { vectors, report: { rows: texts.length, truncated, maxTokens: this.maxTokens } };
  }

  private async run(batch: string[]): Promise<Float32Array[]> {
    const { data, dims, mask } = await this.runner.run(batch, this.maxTokens);
    if (this.facts.classifier) return rowsOf(data, dims as [number, number]);
    return meanPoolNormalized(data, mask, dims as [number, number, number]);
  }

  countTruncated(texts: readonly string[]): number {
    return texts.filter((text) => this.tokenizer.encode(text).length > this.maxTokens).length;
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}

function rowsOf(data: Float32Array, [rows, width]: [number, number]): Float32Array[] {
  return Array.from({ length: rows }, (_, r) => data.slice(r * width, (r + 1) * width));
}
