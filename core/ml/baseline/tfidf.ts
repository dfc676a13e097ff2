/**
 * TF-IDF over word 1- and 2-grams, fitted on the training texts only (the classic text baseline).
 * Conventions are scikit-learn's defaults: raw counts, smoothed idf = ln((1 + n) / (1 + df)) + 1,
 * each row scaled to unit L2 norm. Tokens are Distillery's own word tokens (core/data/text).
 */
import { wordNgrams, wordTokens } from '../../data/text';
import type { SparseRow } from '../student/features';

/** A fitted vectoriser: the kept terms, in column order, with their idf weights. */
export interface TfidfModel {
  readonly ngramMax: number;
  readonly terms: readonly string[];
  readonly idf: Float64Array;
}

/** Settings of {@link fitTfidf}. */
export interface TfidfOptions {
  /** Largest n-gram. Default 2. */
  readonly ngramMax?: number;
  /** A term must occur in at least this many training texts. Default 2. */
  readonly minDocumentFrequency?: number;
  /** Keep at most this many terms, the most frequent first (ties by term). Default 50 000. */
  readonly maxTerms?: number;
}

/** Learns the vocabulary and idf weights from `texts`. */
export function fitTfidf(texts: readonly string[], options: TfidfOptions = {}): TfidfModel {
  const { ngramMax = 2, minDocumentFrequency = 2, maxTerms = 50_000 } = options;
  const documentFrequency = new Map<string, number>();
  for (const text of texts) {
    for (const term of new Set(wordNgrams(wordTokens(text), ngramMax))) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const kept = [...documentFrequency]
    .filter(([, df]) => df >= minDocumentFrequency)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxTerms)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const n = texts.length;
  return {
    ngramMax,
    terms: kept.map(([term]) => term),
    idf: Float64Array.from(kept, ([, df]) => Math.log((1 + n) / (1 + df)) + 1),
  };
}

/** Builds the row transform of a fitted model: text → L2-normalised TF-IDF row, columns ascending. */
export function createTfidfVectorizer(model: TfidfModel): (text: string) => SparseRow {
  const column = new Map(model.terms.map((term, i) => [term, i] as const));
  return (text) => {
    const counts = new Map<number, number>();
    for (const gram of wordNgrams(wordTokens(text), model.ngramMax)) {
      const j = column.get(gram);
      if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    const indices = Int32Array.from(counts.keys()).sort();
    const raw = Array.from(indices, (j) => counts.get(j)! * model.idf[j]!);
    const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0)) || 1;
    return { indices, values: Float32Array.from(raw, (v) => v / norm) };
  };
}
