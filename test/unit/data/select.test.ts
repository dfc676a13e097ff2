import path from 'node:path';
import { FeatureSelectionError } from '../../../core/data/errors';
import { readCsv } from '../../../core/data/read';
import {
  buildTextVocabulary,
  chi2Scores,
  equalFrequencyBins,
  pearson,
  scoreTabularFeatures,
  selectTabular,
  selectTopK,
} from '../../../core/data/select';
import { wordNgrams, wordTokens } from '../../../core/data/text';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const CASES = path.resolve(REPO_ROOT, 'test/fixtures/cases');
const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');

async function numericCase(file: string): Promise<{ columns: Record<string, (number | null)[]>; labels: string[] }> {
  const { frame } = await readCsv(path.join(CASES, file));
  const names = frame.columns.filter((name) => name !== 'label');
  const columns = Object.fromEntries(names.map((name) => [name, frame.values[name] as (number | null)[]]));
  return { columns, labels: frame.values.label!.map(String) };
}

describe('scoreTabularFeatures', () => {
  it('excludes a constant column before scoring and selects x_signal (F = 294) and x_noise (F = 0) (L10)', async () => {
    const { columns, labels } = await numericCase('L10-constant-feature-select.csv');

    const scores = scoreTabularFeatures(columns, labels, 'anova');

    expect(scores).toEqual([
      { name: 'x_signal', score: 294, excluded: false },
      { name: 'x_noise', score: 0, excluded: false },
      { name: 'x_const', score: 0, excluded: true, reason: 'constant' },
    ]);
    expect(selectTopK(scores, 2).map((s) => s.name)).toEqual(['x_signal', 'x_noise']);
    expect(selectTopK(scores, 5).map((s) => s.name)).toEqual(['x_signal', 'x_noise']);
  });

  it('never gives NaN: one class scores 0 with a reason, perfect separation ranks first', () => {
    const oneClass = scoreTabularFeatures({ v: [1, 2, 3] }, ['a', 'a', 'a'], 'anova');
    const separated = scoreTabularFeatures({ v: [1, 1, 2, 2], w: [1, 2, 3, 5] }, ['a', 'a', 'b', 'b'], 'anova');

    expect(oneClass).toEqual([{ name: 'v', score: 0, excluded: false, reason: 'F undefined: fewer than two classes' }]);
    expect(separated.map((s) => [s.name, s.score])).toEqual([
      ['v', Number.MAX_VALUE],
      ['w', 5],
    ]);
  });

  it('ignores missing cells and treats a column constant apart from nulls as constant', () => {
    const scores = scoreTabularFeatures({ k: [5, null, 5, 5], v: [1, null, 3, 4] }, ['a', 'a', 'b', 'b'], 'anova');

    expect(scores[0]).toMatchObject({ name: 'v', excluded: false });
    expect(scores[0]!.score).toBeCloseTo(25 / 3, 12);
    expect(scores[1]).toMatchObject({ name: 'k', excluded: true, reason: 'constant' });
  });

  it('scores mutual information in nats over equal-frequency bins', async () => {
    const perfect = scoreTabularFeatures({ v: [1, 2, 3, 4] }, ['a', 'a', 'b', 'b'], 'mutualInfo');
    const { columns, labels } = await numericCase('L10-constant-feature-select.csv');

    const scores = scoreTabularFeatures(columns, labels, 'mutualInfo');

    expect(perfect[0]!.score).toBeCloseTo(Math.log(2), 12);
    expect(scores.map((s) => s.name)).toEqual(['x_signal', 'x_noise', 'x_const']);
    expect(scores[0]!.score).toBeCloseTo(Math.log(2), 12);
    expect(scores.every((s) => Number.isFinite(s.score))).toBe(true);
  });

  it('treats scores equal to 12 significant digits as ties, broken by name', () => {
    const score = (name: string, value: number) => ({ name, score: value, excluded: false });
    const nearlyTied = [score('b', 1 + 2 ** -50), score('a', 1), score('c', 1.000001)];
    expect(selectTopK(nearlyTied, 3).map((s) => s.name)).toEqual(['c', 'a', 'b']);
  });

  it('puts tied values in the same equal-frequency bin', () => {
    expect(equalFrequencyBins([5, 1, 1, 1, 2, 3, 4, 9, 9, 7], 5)).toEqual([3, 0, 0, 0, 1, 2, 2, 4, 4, 3]);
  });
});

describe('chi2Scores', () => {
  it('rejects negative values, naming the column (L10b)', async () => {
    const { columns, labels } = await numericCase('L10b-chi2-negative.csv');

    const score = (): unknown => chi2Scores(columns, labels);

    expect(score).toThrow(FeatureSelectionError);
    expect(score).toThrow('column "t_delta" has minimum -3');
  });

  it('computes sklearn chi2 on non-negative counts', async () => {
    const { columns, labels } = await numericCase('L10b-chi2-negative.csv');

    const scores = chi2Scores({ count: columns.count! }, labels);

    expect(scores).toHaveLength(1);
    expect(scores[0]!.score).toBeCloseTo(5.4, 12);
  });
});

describe('buildTextVocabulary', () => {
  const texts = ['free prize', 'Free call', 'hello friend', 'hello there'];
  const labels = ['spam', 'spam', 'ham', 'ham'];

  it('ranks terms by chi² on binary document counts, ties by term', () => {
    const { terms } = buildTextVocabulary(texts, labels, { ngramMax: 1, minDocumentFrequency: 1, maxVocabulary: 3 });

    expect(terms).toEqual([
      { term: 'free', df: 2, chi2: 2 },
      { term: 'hello', df: 2, chi2: 2 },
      { term: 'call', df: 1, chi2: 1 },
    ]);
  });

  it('counts a term once per document and drops terms below the minimum document frequency', () => {
    const repeated = ['spam spam spam', 'spam', 'ham', 'ham ham'];

    const { terms } = buildTextVocabulary(repeated, labels, {
      ngramMax: 2,
      minDocumentFrequency: 2,
      maxVocabulary: 10,
    });

    expect(terms).toEqual([
      { term: 'ham', df: 2, chi2: 2 },
      { term: 'spam', df: 2, chi2: 2 },
    ]);
  });

  it('builds a 2-gram vocabulary of SMS Spam with no NaN score', async () => {
    const { frame } = await readCsv(path.join(DATASETS, 'sms_spam/sms_spam.csv'));
    const smsTexts = frame.values.text!.map(String);

    const { terms } = buildTextVocabulary(smsTexts, frame.values.label!.map(String), {
      ngramMax: 2,
      minDocumentFrequency: 2,
      maxVocabulary: 2000,
    });

    expect(terms).toHaveLength(2000);
    expect(terms[0]!.term).toBe('<num>');
    expect(terms.every((t) => Number.isFinite(t.chi2) && t.df >= 2)).toBe(true);
  });
});

describe('wordTokens and wordNgrams', () => {
  it('lower-cases runs of letters and digits and maps five or more digits to <num>', () => {
    expect(wordTokens('Call 08712345678 now! 2nd £150, CALL0871234 Zürich 1234')).toEqual([
      'call',
      '<num>',
      'now',
      '2nd',
      '150',
      'call<num>',
      'zürich',
      '1234',
    ]);
    expect(wordTokens('...')).toEqual([]);
  });

  it('lists unigrams, then bigrams, joined by one space', () => {
    expect(wordNgrams(['a', 'b', 'c'], 2)).toEqual(['a', 'b', 'c', 'a b', 'b c']);
    expect(wordNgrams(['a', 'b'], 3)).toEqual(['a', 'b', 'a b']);
    expect(wordNgrams(['a'], 0)).toEqual([]);
  });
});

describe('selectTabular', () => {
  const labels = ['a', 'a', 'a', 'b', 'b', 'b'];
  const columns = {
    strong: [1, 2, 1, 9, 8, 9],
    twin: [2, 4, 2, 18, 16, 18],
    weak: [1, 5, 3, 2, 6, 3],
    tiny: [0, 0.001, 0, 0.001, 0, 0.001],
    flat: [4, 4, 4, 4, 4, 4],
  };
  const base = {
    method: 'anova' as const,
    mode: 'topK' as const,
    k: 10,
    percentile: 50,
    scoreThreshold: 0,
    varianceThreshold: 0,
    maxCorrelation: 1,
  };

  it('excludes low-variance columns before scoring, with the reason', () => {
    const { scores, selected } = selectTabular(columns, labels, { ...base, varianceThreshold: 0.01 });

    expect(selected).toEqual(['strong', 'twin', 'weak']);
    expect(scores.filter((s) => s.excluded)).toEqual([
      { name: 'flat', score: 0, excluded: true, reason: 'constant' },
      { name: 'tiny', score: 0, excluded: true, reason: 'variance ≤ 0.01' },
    ]);
  });

  it('drops a column correlated above the limit with a better-scored kept column', () => {
    const { scores, selected } = selectTabular(columns, labels, { ...base, maxCorrelation: 0.95 });

    expect(selected).toEqual(['strong', 'tiny', 'weak']);
    expect(scores.find((s) => s.name === 'twin')).toMatchObject({ excluded: false, reason: '|r| > 0.95 with strong' });
  });

  it('keeps the top percentile, rounded up, or every column at or above a score threshold', () => {
    const byPercentile = selectTabular(columns, labels, { ...base, mode: 'percentile', percentile: 50 });
    const byThreshold = selectTabular(columns, labels, { ...base, mode: 'threshold', scoreThreshold: 1 });

    expect(byPercentile.selected).toEqual(['strong', 'twin']);
    expect(byThreshold.selected).toEqual(['strong', 'twin']);
  });

  it('gives the same selection whatever the column order', () => {
    const reversed = Object.fromEntries(Object.entries(columns).reverse());

    expect(selectTabular(reversed, labels, base)).toEqual(selectTabular(columns, labels, base));
  });

  it('scores chi2 on non-negative columns and rejects a negative one by name (L10b)', async () => {
    const { columns: l10b, labels: l10bLabels } = await numericCase('L10b-chi2-negative.csv');

    const counts = selectTabular({ count: l10b.count! }, l10bLabels, { ...base, method: 'chi2' });
    const negative = (): unknown => selectTabular(l10b, l10bLabels, { ...base, method: 'chi2' });

    expect(counts.scores[0]!.score).toBeCloseTo(5.4, 12);
    expect(negative).toThrow('column "t_delta" has minimum -3');
  });

  it('scores a one-hot column by the exact discrete mutual information', () => {
    const mi = selectTabular({ hot: [1, 1, 0, 0, 0, 0] }, labels, { ...base, method: 'mutualInfo' }).scores[0]!;

    // hot=1: 2 rows, both a; hot=0: 4 rows, 1 a and 3 b. I = Σ p(x,y) ln(p(x,y) / (p(x) p(y))).
    const expected =
      (2 / 6) * Math.log(2) +
      (1 / 6) * Math.log(1 / 6 / ((4 / 6) * (1 / 2))) +
      (3 / 6) * Math.log(3 / 6 / ((4 / 6) * (1 / 2)));
    expect(mi.score).toBeCloseTo(expected, 12);
  });

  it('computes Pearson r over rows where both cells are present', () => {
    expect(pearson([1, 2, 3, null], [2, 4, 6, 100])).toBeCloseTo(1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
  });
});
