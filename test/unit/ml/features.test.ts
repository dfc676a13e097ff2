import { createFeaturizer, featureDimension, fnv1a, type StudentFeatureSpec } from '../../../core/ml/student/features';

/** Features are float32; a unit-norm block is 1 to about 1e-7. */
const NORM_TOLERANCE = 1e-6;

const SPEC: StudentFeatureSpec = {
  vocabulary: ['good', 'bad', 'very good'],
  ngramMax: 2,
  charBuckets: 16,
  tabular: ['x', 'y'],
};
const VOCABULARY_BLOCK = [0, 3] as const;
const CHAR_BLOCK = [3, 19] as const;
const TABULAR_BLOCK = [19, 21] as const;

function block(row: { indices: Int32Array; values: Float32Array }, [from, to]: readonly [number, number]) {
  const entries = Array.from(row.indices, (column, k) => [column, row.values[k]!] as const);
  return entries.filter(([column]) => column >= from && column < to);
}

function l2(entries: readonly (readonly [number, number])[]): number {
  return Math.sqrt(entries.reduce((sum, [, value]) => sum + value * value, 0));
}

describe('featureDimension', () => {
  it('is vocabulary size plus character buckets plus tabular columns', () => {
    expect(featureDimension(SPEC)).toBe(3 + 16 + 2);
  });
});

describe('createFeaturizer', () => {
  const featurize = createFeaturizer(SPEC);

  it('puts word n-grams first, then hashed character n-grams, then tabular values', () => {
    const row = featurize('Very good, good!', [0.5, -2]);

    expect(Array.from(row.indices)).toEqual([...row.indices].sort((a, b) => a - b));
    expect(row.indices[0]).toBeGreaterThanOrEqual(0);
    expect(row.indices[row.indices.length - 1]).toBeLessThan(featureDimension(SPEC));
    expect(block(row, VOCABULARY_BLOCK).map(([column]) => column)).toEqual([0, 2]);
    expect(block(row, CHAR_BLOCK).length).toBeGreaterThan(0);
    expect(block(row, TABULAR_BLOCK)).toEqual([
      [19, 0.5],
      [20, -2],
    ]);
  });

  it('weights vocabulary counts as log(1 + count), scaled to unit L2 norm', () => {
    // 'good' twice (column 0), 'very good' once (column 2); 'very' is not in the vocabulary.
    const row = featurize('very good good', []);
    const norm = Math.hypot(Math.log1p(2), Math.log1p(1));

    const words = block(row, VOCABULARY_BLOCK);

    expect(words.map(([column]) => column)).toEqual([0, 2]);
    expect(words[0]![1]).toBeCloseTo(Math.log1p(2) / norm, 6);
    expect(words[1]![1]).toBeCloseTo(Math.log1p(1) / norm, 6);
  });

  it('normalises the vocabulary block and the character block to unit L2 norm each', () => {
    const row = featurize('Good news, bad news, very good news', [3]);

    expect(Math.abs(l2(block(row, VOCABULARY_BLOCK)) - 1)).toBeLessThan(NORM_TOLERANCE);
    expect(Math.abs(l2(block(row, CHAR_BLOCK)) - 1)).toBeLessThan(NORM_TOLERANCE);
  });

  it('hashes character 3- to 5-grams of the space-padded text into fnv1a(gram) mod buckets', () => {
    // ' ab ' has 3-grams ' ab' (bucket 8) and 'ab ' (bucket 14) and the 4-gram ' ab ' (bucket 8).
    const row = featurize('ab', []);
    const norm = Math.hypot(Math.log1p(2), Math.log1p(1));

    const chars = block(row, CHAR_BLOCK);

    expect(chars.map(([column]) => column)).toEqual([3 + 8, 3 + 14]);
    expect(chars[0]![1]).toBeCloseTo(Math.log1p(2) / norm, 6);
    expect(chars[1]![1]).toBeCloseTo(Math.log1p(1) / norm, 6);
  });

  it.each([16, 17, 4096])('counts each 3- to 5-gram in %i buckets as fnv1a(gram) mod buckets', (buckets) => {
    const text = 'Love it!  Love the fabric, the fit; LOVE the colour. ünïcode ✓';
    const padded = ` ${text.toLowerCase().replace(/\s+/g, ' ')} `;
    const counts = new Map<number, number>();
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= padded.length; i++) {
        const bucket = fnv1a(padded, i, i + n) % buckets;
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      }
    }
    const norm = Math.hypot(...[...counts.values()].map((c) => Math.log1p(c)));
    const row = createFeaturizer({ ...SPEC, vocabulary: [], charBuckets: buckets, tabular: [] })(text, []);

    const expected = [...counts.keys()].sort((a, b) => a - b);
    expect(Array.from(row.indices)).toEqual(expected);
    expected.forEach((bucket, k) => expect(row.values[k]).toBeCloseTo(Math.log1p(counts.get(bucket)!) / norm, 6));
  });

  it('ignores case and the length of whitespace runs', () => {
    expect(featurize('Very   GOOD\tnews', [1])).toEqual(featurize('very good news', [1]));
  });

  it('gives a text the same row whatever it featurised before (its count buffer is reset per call)', () => {
    const fresh = createFeaturizer(SPEC)('good news, very good', [1, 0]);
    featurize('a long text that touches many character buckets: bad, very bad, worse', [0, 3]);

    expect(featurize('good news, very good', [1, 0])).toEqual(fresh);
  });

  it('lists columns in ascending order with no repeats, whichever way the buckets are ordered', () => {
    const wide = createFeaturizer({ ...SPEC, charBuckets: 1 << 16 });
    for (const row of [featurize('abcdefghij klmnop', [1, 2]), wide('abcdefghij klmnop', [1, 2])]) {
      const indices = Array.from(row.indices);
      expect(indices).toEqual([...new Set(indices)].sort((a, b) => a - b));
    }
  });

  it('leaves zero tabular values and empty text out of the sparse row', () => {
    const row = featurize('', [0, 4]);

    expect(Array.from(row.indices)).toEqual([20]);
    expect(Array.from(row.values)).toEqual([4]);
  });
});

describe('fnv1a', () => {
  it('matches the published 32-bit FNV-1a test vectors', () => {
    expect(fnv1a('', 0, 0)).toBe(0x811c9dc5);
    expect(fnv1a('a', 0, 1)).toBe(0xe40c292c);
    expect(fnv1a('foobar', 0, 6)).toBe(0xbf9cf968);
  });

  it('hashes only the range [start, end) of the text', () => {
    expect(fnv1a('xfoobarx', 1, 7)).toBe(0xbf9cf968);
  });

  it('gives the recorded values for the character n-grams of "ab"', () => {
    expect(fnv1a(' ab', 0, 3)).toBe(3734449800);
    expect(fnv1a('ab ', 0, 3)).toBe(1531465566);
    expect(fnv1a(' ab ', 0, 4)).toBe(268333688);
  });
});
