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

/**
 * Builds a featurizer with the vocabulary index prepared once. The returned function reuses one
 * count buffer of `charBuckets` entries between calls (it is synchronous, so calls never overlap).
 */
export function createFeaturizer(spec: StudentFeatureSpec): (text: string, tabular: readonly number[]) => SparseRow {
  const vocabularyIndex = new Map(spec.vocabulary.map((term, i) => [term, i] as const));
  const charOffset = spec.vocabulary.length;
  const tabularOffset = charOffset + spec.charBuckets;
  const weigh = spec.architecture === 'embedding-bag' ? meanWeight : normalizedWeight;
  const chars = new BucketCounts(spec.charBuckets);
  return (text, tabular) => {
    const words = wordCounts(text, spec.ngramMax, vocabularyIndex);
    const wordWeight = weigh(Float64Array.from(words.values()));
    chars.countCharNgrams(text);
    const charWeight = weigh(chars.countsInTouchedOrder());
    // The three blocks occupy disjoint, ascending column ranges: sorting within each sorts the row.
    const wordColumns = Int32Array.from(words.keys()).sort();
    const charBuckets = chars.touchedAscending();
    const tabularColumns = tabular.flatMap((value, i) => (value === 0 ? [] : [i]));

    const size = wordColumns.length + charBuckets.length + tabularColumns.length;
    const indices = new Int32Array(size);
    const values = new Float32Array(size);
    let k = 0;
    for (const column of wordColumns) {
      indices[k] = column;
      values[k++] = wordWeight(words.get(column)!);
    }
    for (const bucket of charBuckets) {
      indices[k] = charOffset + bucket;
      values[k++] = charWeight(chars.countOf(bucket));
    }
    for (const i of tabularColumns) {
      indices[k] = tabularOffset + i;
      values[k++] = tabular[i]!;
    }
    return { indices, values };
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

/**
 * Counts per hash bucket in a reused typed array, with the buckets in the order they were first
 * touched, so that sums over a block run in the same order as over a Map's insertion order.
 */
class BucketCounts {
  private readonly counts: Int32Array;
  private readonly firstTouched: Int32Array;
  /** buckets − 1 when buckets is a power of two, else −1. */
  private readonly mask: number;
  private longer = new Int32Array(0);
  private size = 0;

  constructor(buckets: number) {
    this.counts = new Int32Array(buckets);
    this.firstTouched = new Int32Array(buckets);
    this.mask = buckets > 0 && (buckets & (buckets - 1)) === 0 ? buckets - 1 : -1;
  }

  /**
   * Resets, then counts the character 3- to 5-grams of the lower-cased, space-padded text: every
   * 3-gram in order, then every 4-gram, then every 5-gram. Each start position's hash is extended
   * one character at a time (FNV-1a is a left fold), so the 4- and 5-gram buckets come from the
   * 3-gram's hash; they are kept in a scratch array and counted after the 3-grams, length by length.
   */
  countCharNgrams(text: string): void {
    for (let k = 0; k < this.size; k++) this.counts[this.firstTouched[k]!] = 0;
    this.size = 0;
    const padded = ` ${text.toLowerCase().replace(/\s+/g, ' ')} `;
    const starts = padded.length - CHAR_NGRAM_MIN + 1;
    if (starts <= 0) return;
    const longer = this.scratchFor(starts);
    for (let i = 0; i < starts; i++) {
      let hash = fnv1a(padded, i, i + CHAR_NGRAM_MIN);
      this.add(this.bucketOf(hash));
      for (let n = CHAR_NGRAM_MIN + 1; n <= CHAR_NGRAM_MAX && i + n <= padded.length; n++) {
        hash = Math.imul(hash ^ padded.charCodeAt(i + n - 1), 0x01000193) >>> 0;
        longer[(n - CHAR_NGRAM_MIN - 1) * starts + i] = this.bucketOf(hash);
      }
    }
    for (let n = CHAR_NGRAM_MIN + 1; n <= CHAR_NGRAM_MAX; n++) {
      const offset = (n - CHAR_NGRAM_MIN - 1) * starts;
      for (let i = 0; i + n <= padded.length; i++) this.add(longer[offset + i]!);
    }
  }

  private add(bucket: number): void {
    if (this.counts[bucket] === 0) this.firstTouched[this.size++] = bucket;
    this.counts[bucket]!++;
  }

  /** hash mod buckets; a mask when the bucket count is a power of two (the same value, cheaper). */
  private bucketOf(hash: number): number {
    return this.mask >= 0 ? hash & this.mask : hash % this.counts.length;
  }

  /** A scratch array for the 4- and 5-gram buckets of `starts` start positions, grown as needed. */
  private scratchFor(starts: number): Int32Array {
    const needed = (CHAR_NGRAM_MAX - CHAR_NGRAM_MIN) * starts;
    if (this.longer.length < needed) this.longer = new Int32Array(Math.max(needed, 2 * this.longer.length));
    return this.longer;
  }

  /** The touched buckets in first-touched order (a view, valid until the next count). */
  touched(): Int32Array {
    return this.firstTouched.subarray(0, this.size);
  }

  /**
   * The touched buckets in ascending order: a scan of the count array when it is small next to a
   * sort of the touched list (fewer than 16 buckets per touched one), a sort otherwise.
   */
  touchedAscending(): Int32Array {
    if (this.counts.length > 16 * this.size) return this.touched().slice().sort();
    const ascending = new Int32Array(this.size);
    let k = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) if (this.counts[bucket] !== 0) ascending[k++] = bucket;
    return ascending;
  }

  countOf(bucket: number): number {
    return this.counts[bucket]!;
  }

  countsInTouchedOrder(): Float64Array {
    const counts = new Float64Array(this.size);
    for (let k = 0; k < this.size; k++) counts[k] = this.counts[this.firstTouched[k]!]!;
    return counts;
  }
}

/** Math.log1p of the small counts that make up nearly every n-gram count, looked up instead of computed. */
const LOG1P_TABLE = Float64Array.from({ length: 256 }, (_, count) => Math.log1p(count));

/** Math.log1p(count), from {@link LOG1P_TABLE} for small whole counts (the same value). */
function log1pCount(count: number): number {
  return count < LOG1P_TABLE.length && Number.isInteger(count) ? LOG1P_TABLE[count]! : Math.log1p(count);
}

/** log(1 + count) scaled to unit L2 norm over the block (the norm summed in the order given). */
function normalizedWeight(counts: Float64Array): (count: number) => number {
  let norm = 0;
  for (const c of counts) norm += log1pCount(c) ** 2;
  norm = Math.sqrt(norm) || 1;
  return (count) => log1pCount(count) / norm;
}

/** count / total: the weights of a mean over the block's n-gram occurrences. */
function meanWeight(counts: Float64Array): (count: number) => number {
  let total = 0;
  for (const c of counts) total += c;
  return (count) => count / total;
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
