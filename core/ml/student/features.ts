/**
 * The student's input: sparse features computed from the raw record alone, so the student needs
 * no teacher at prediction time. Layout of the feature vector:
 *   [ word n-grams of the selected vocabulary | hashed character n-grams | tabular features ]
 * For the hashed MLP, the word n-gram and character blocks are each L2-normalised log(1 + count)
 * vectors. For the embedding bag, each block holds count / total, so that the first layer computes
 * the mean of the learned embeddings of the block's n-grams.
 */
import { wordNgrams, wordTokens } from '../../data/text';

/** Everything needed to featurise a record; stored with the student. */
export interface StudentFeatureSpec {
  /** Selected word n-grams (from feature selection), in column order. */
  readonly vocabulary: readonly string[];
  readonly ngramMax: number;
  /** Buckets of the hashed character n-grams (3 to 5 characters, within word boundaries). */
  readonly charBuckets: number;
  /** Names of the standardized tabular columns appended at the end. */
  readonly tabular: readonly string[];
  /** The network these features feed; decides the block weighting. Default 'hashed-mlp'. */
  readonly architecture?: StudentArchitecture;
}

/** 'hashed-mlp': sparse n-grams into a ReLU layer; 'embedding-bag': mean of n-gram embeddings, then linear. */
export type StudentArchitecture = 'hashed-mlp' | 'embedding-bag';

/** A sparse feature row: parallel arrays of column index and value. */
export interface SparseRow {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

const CHAR_NGRAM_MIN = 3;
const CHAR_NGRAM_MAX = 5;

/** Width of the feature vector described by `spec`. */
export function featureDimension(spec: StudentFeatureSpec): number {
  return spec.vocabulary.length + spec.charBuckets + spec.tabular.length;
}

/** Builds a featurizer with the vocabulary index prepared once. */
export function createFeaturizer(spec: StudentFeatureSpec): (text: string, tabular: readonly number[]) => SparseRow {
  const vocabularyIndex = new Map(spec.vocabulary.map((term, i) => [term, i] as const));
  const charOffset = spec.vocabulary.length;
  const tabularOffset = charOffset + spec.charBuckets;
  const addBlock = spec.architecture === 'embedding-bag' ? addMean : addNormalized;
  return (text, tabular) => {
    const counts = new Map<number, number>();
    addBlock(counts, wordCounts(text, spec.ngramMax, vocabularyIndex));
    addBlock(counts, charCounts(text, spec.charBuckets, charOffset));
    tabular.forEach((value, i) => value !== 0 && counts.set(tabularOffset + i, value));
    const indices = Int32Array.from(counts.keys()).sort();
    return { indices, values: Float32Array.from(indices, (i) => counts.get(i)!) };
  };
}

function wordCounts(text: string, ngramMax: number, index: ReadonlyMap<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const gram of wordNgrams(wordTokens(text), ngramMax)) {
    const column = index.get(gram);
    if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
  }
  return counts;
}

function charCounts(text: string, buckets: number, offset: number): Map<number, number> {
  const counts = new Map<number, number>();
  const padded = ` ${text.toLowerCase().replace(/\s+/g, ' ')} `;
  for (let n = CHAR_NGRAM_MIN; n <= CHAR_NGRAM_MAX; n++) {
    for (let i = 0; i + n <= padded.length; i++) {
      const column = offset + (fnv1a(padded, i, i + n) % buckets);
      counts.set(column, (counts.get(column) ?? 0) + 1);
    }
  }
  return counts;
}

/** Adds log(1 + count) values scaled to unit L2 norm. */
function addNormalized(target: Map<number, number>, counts: ReadonlyMap<number, number>): void {
  let norm = 0;
  counts.forEach((c) => (norm += Math.log1p(c) ** 2));
  norm = Math.sqrt(norm) || 1;
  counts.forEach((c, column) => target.set(column, Math.log1p(c) / norm));
}

/** Adds count / total: the weights of a mean over the block's n-gram occurrences. */
function addMean(target: Map<number, number>, counts: ReadonlyMap<number, number>): void {
  let total = 0;
  counts.forEach((c) => (total += c));
  counts.forEach((c, column) => target.set(column, c / total));
}

/** 32-bit FNV-1a over the UTF-16 code units of text[start, end). */
export function fnv1a(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
