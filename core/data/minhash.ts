/**
 * Near-duplicate detection: MinHash signatures over word shingles, banded into an LSH index, with
 * every candidate pair verified by its exact Jaccard similarity. Deterministic for a given seed.
 */
import { seededRandom } from '../util/random';
import { wordTokens } from './text';

/** Options of {@link nearDuplicateGroups}. */
export interface MinHashOptions {
  /** Pairs with a shingle Jaccard similarity at or above this are duplicates, in (0, 1]. */
  threshold: number;
  /** Words per shingle. A text shorter than this is one shingle of all its words. */
  shingleSize: number;
  /** Hash functions per signature; rounded down to a multiple of the chosen rows per band. */
  numHashes: number;
  /** Seed of the hash functions. */
  seed: number;
}

/** Default {@link MinHashOptions}: Jaccard ≥ 0.8 over word 3-shingles, 128 hashes, seed 42. */
export const DEFAULT_MINHASH: MinHashOptions = { threshold: 0.8, shingleSize: 3, numHashes: 128, seed: 42 };

/**
 * Groups `texts` into near-duplicate clusters: two texts are linked when the Jaccard similarity
 * of their word-shingle sets is at least `threshold`, and clusters are the connected components.
 * Candidate pairs come from LSH banding (rows per band chosen so that the band threshold
 * (1/b)^(1/r) lies just below `threshold`); each candidate is then checked exactly, so no pair
 * below the threshold is ever linked, though a pair just above it may rarely be missed.
 * Texts without any word are never linked. Returns only groups of two or more, each sorted by
 * index, ordered by their first index.
 */
export function nearDuplicateGroups(texts: readonly string[], options: MinHashOptions = DEFAULT_MINHASH): number[][] {
  const shingles = texts.map((text) => shingleSet(text, options.shingleSize));
  const { bands, rows } = bandShape(options.numHashes, options.threshold);
  const seeds = hashSeeds(bands * rows, options.seed);
  const signatures = shingles.map((set) => signature(set, seeds));

  const parent = texts.map((_, i) => i);
  for (const [a, b] of candidatePairs(signatures, bands, rows)) {
    if (jaccard(shingles[a]!, shingles[b]!) >= options.threshold) union(parent, a, b);
  }
  return components(parent);
}

/** Hashed word shingles of `text` (the text's words lower-cased, as in feature selection). */
export function shingleSet(text: string, size: number): Set<number> {
  const words = wordTokens(text);
  const set = new Set<number>();
  if (words.length === 0) return set;
  const last = Math.max(0, words.length - size);
  for (let start = 0; start <= last; start++) set.add(fnv1a(words.slice(start, start + size).join(' ')));
  return set;
}

/** Exact Jaccard similarity of two sets; 0 when both are empty. */
export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Bands × rows ≤ numHashes with the band threshold (1/b)^(1/r) closest to 0.9 × threshold. */
export function bandShape(numHashes: number, threshold: number): { bands: number; rows: number } {
  const target = 0.9 * threshold;
  let best = { bands: numHashes, rows: 1, distance: Infinity };
  for (let rows = 1; rows <= numHashes; rows++) {
    const bands = Math.floor(numHashes / rows);
    const distance = Math.abs((1 / bands) ** (1 / rows) - target);
    if (distance < best.distance) best = { bands, rows, distance };
  }
  return { bands: best.bands, rows: best.rows };
}

function hashSeeds(count: number, seed: number): Uint32Array {
  const random = seededRandom(seed);
  return Uint32Array.from({ length: count }, () => Math.floor(random() * 0x100000000) >>> 0);
}

function signature(shingles: ReadonlySet<number>, seeds: Uint32Array): Uint32Array {
  const minimum = new Uint32Array(seeds.length).fill(0xffffffff);
  for (const shingle of shingles) {
    for (let i = 0; i < seeds.length; i++) {
      const h = mix32(shingle ^ seeds[i]!);
      if (h < minimum[i]!) minimum[i] = h;
    }
  }
  return minimum;
}

/** Pairs (a < b) that share at least one band bucket, each listed once, in order. */
function candidatePairs(signatures: readonly Uint32Array[], bands: number, rows: number): [number, number][] {
  const pairs = new Set<number>();
  const out: [number, number][] = [];
  const n = signatures.length;
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, i) => {
      if (sig[0] === 0xffffffff) return;
      const key = Array.from(sig.subarray(band * rows, (band + 1) * rows)).join(',');
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          const id = bucket[x]! * n + bucket[y]!;
          if (!pairs.has(id)) out.push([bucket[x]!, bucket[y]!]);
          pairs.add(id);
        }
      }
    }
  }
  return out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
}

function find(parent: number[], i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

function union(parent: number[], a: number, b: number): void {
  const [ra, rb] = [find(parent, a), find(parent, b)];
  if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
}

function components(parent: number[]): number[][] {
  const groups = new Map<number, number[]>();
  parent.forEach((_, i) => {
    const root = find(parent, i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()].filter((g) => g.length > 1).sort((a, b) => a[0]! - b[0]!);
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finaliser: a bijective mix, so distinct seeds give independent-looking hashes. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
