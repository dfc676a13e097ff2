/**
 * Feature scoring and selection: ANOVA F and mutual information for tabular columns, chi² for
 * non-negative counts, and a chi²-ranked n-gram vocabulary for text. No score is ever NaN.
 */
import { FeatureSelectionError } from './errors';
import { wordNgrams, wordTokens } from './text';

/** Scoring methods for numeric columns. */
export type TabularScoreMethod = 'anova' | 'mutualInfo' | 'chi2';

/** How many scored columns {@link selectTabular} keeps. */
export type SelectionMode = 'topK' | 'percentile' | 'threshold';

/** Options of {@link selectTabular}. */
export interface TabularSelectionOptions {
  method: TabularScoreMethod;
  mode: SelectionMode;
  /** Columns kept in mode 'topK'. */
  k: number;
  /** Percentage of scored columns kept in mode 'percentile', rounded up. */
  percentile: number;
  /** Smallest score kept in mode 'threshold'. */
  scoreThreshold: number;
  /** Columns with a population variance at or below this are excluded before scoring. */
  varianceThreshold: number;
  /** A column whose |Pearson r| with a better-scored kept column exceeds this is dropped (1: off). */
  maxCorrelation: number;
}

/** One column's score. Excluded columns (e.g. constant) have score 0 and are never selected. */
export interface FeatureScore {
  name: string;
  score: number;
  excluded: boolean;
  /** Why the column was excluded, or why its score was set to 0 rather than computed. */
  reason?: string;
}

/** Options of {@link buildTextVocabulary}. */
export interface VocabularyOptions {
  /** Longest n-gram, in words (1 = unigrams only). */
  ngramMax: number;
  /** A term must occur in at least this many documents. */
  minDocumentFrequency: number;
  /** At most this many terms are kept, the highest chi² first. */
  maxVocabulary: number;
}

/** One vocabulary term: its document frequency and chi² against the labels. */
export interface VocabularyTerm {
  term: string;
  df: number;
  chi2: number;
}

/** Number of equal-frequency bins used by the mutual-information score. */
export const MUTUAL_INFO_BINS = 10;

/**
 * Scores each numeric column against `labels` (missing cells are skipped, per column).
 * Columns with fewer than two distinct values are excluded before scoring (reason `'constant'`).
 *
 * - `'anova'`: the one-way ANOVA F statistic, as sklearn's `f_classif`. Where F is undefined (one
 *   class, or no within-class degrees of freedom) the score is 0 with a reason; where the classes
 *   are perfectly separated (zero within-class variance) it is `Number.MAX_VALUE`, so that it stays
 *   JSON-safe and still ranks first.
 * - `'mutualInfo'`: mutual information in nats between the label and the column discretised into
 *   {@link MUTUAL_INFO_BINS} equal-frequency bins by rank (tied values always share a bin). It is
 *   a plug-in estimate, biased upward on small samples; use it to rank columns, not as an absolute.
 *
 * - `'chi2'`: {@link chi2Scores} of the column (missing cells count 0); throws
 *   {@link FeatureSelectionError} when a scored column has a negative value.
 *
 * A 0/1 column (one-hot) falls into two bins, so its mutual information is the exact discrete one;
 * categorical columns are therefore scored through their one-hot columns.
 *
 * Returned sorted: scored columns by score descending then name, then excluded columns by name.
 */
export function scoreTabularFeatures(
  columns: Record<string, readonly (number | null)[]>,
  labels: readonly string[],
  method: TabularScoreMethod,
): FeatureScore[] {
  const constant = (name: string): FeatureScore => ({ name, score: 0, excluded: true, reason: 'constant' });
  const varying = Object.entries(columns).filter(([, cells]) => new Set(presentPairs(cells, labels).values).size > 1);
  const excluded = Object.keys(columns)
    .filter((name) => !varying.some(([kept]) => kept === name))
    .map(constant);
  if (method === 'chi2') return sortScores([...chi2Scores(Object.fromEntries(varying), labels), ...excluded]);

  const scores = varying.map(([name, cells]): FeatureScore => {
    const { values, classes } = presentPairs(cells, labels);
    return method === 'anova' ? anovaScore(name, values, classes) : mutualInfoScore(name, values, classes);
  });
  return sortScores([...scores, ...excluded]);
}

/**
 * Scores and selects tabular columns. Columns whose population variance (over present cells) is at
 * or below `varianceThreshold` are excluded first (reason `'variance ≤ t'`; constants always are);
 * the rest are scored by {@link scoreTabularFeatures}; the kept set is the top `k`, the top
 * `percentile` % (rounded up), or every column scoring at least `scoreThreshold`, taken in score
 * order (ties by name); then, walking that order, a column correlated above `maxCorrelation` with
 * a column already kept is dropped (reason names it). NaN never occurs and is never selected.
 */
export function selectTabular(
  columns: Record<string, readonly (number | null)[]>,
  labels: readonly string[],
  options: TabularSelectionOptions,
): { scores: FeatureScore[]; selected: string[] } {
  const lowVariance = Object.entries(columns)
    .filter(([, cells]) => distinctCount(cells) > 1 && variance(cells) <= options.varianceThreshold)
    .map(([name]) => name);
  const scored = Object.fromEntries(Object.entries(columns).filter(([name]) => !lowVariance.includes(name)));
  const reason = `variance ≤ ${options.varianceThreshold}`;
  const excluded = lowVariance.map((name): FeatureScore => ({ name, score: 0, excluded: true, reason }));
  const scores = sortScores([...scoreTabularFeatures(scored, labels, options.method), ...excluded]);

  const ranked = scores.filter((s) => !s.excluded && Number.isFinite(s.score));
  const chosen = ranked.slice(0, keptCount(ranked, options));
  const { kept, dropped } = correlationFilter(chosen, columns, options.maxCorrelation);
  const final = scores.map((s) => dropped.get(s.name) ?? s);
  return { scores: final, selected: kept.map((s) => s.name) };
}

function keptCount(ranked: readonly FeatureScore[], options: TabularSelectionOptions): number {
  if (options.mode === 'topK') return Math.max(0, options.k);
  if (options.mode === 'percentile') return Math.ceil((ranked.length * options.percentile) / 100);
  return ranked.filter((s) => s.score >= options.scoreThreshold).length;
}

function correlationFilter(
  chosen: readonly FeatureScore[],
  columns: Record<string, readonly (number | null)[]>,
  maxCorrelation: number,
): { kept: FeatureScore[]; dropped: Map<string, FeatureScore> } {
  const kept: FeatureScore[] = [];
  const dropped = new Map<string, FeatureScore>();
  for (const candidate of chosen) {
    const twin = maxCorrelation >= 1 ? undefined : kept.find((k) => correlated(columns, k.name, candidate.name));
    if (!twin) kept.push(candidate);
    else dropped.set(candidate.name, { ...candidate, reason: `|r| > ${maxCorrelation} with ${twin.name}` });
  }
  return { kept, dropped };

  function correlated(all: typeof columns, a: string, b: string): boolean {
    return Math.abs(pearson(all[a]!, all[b]!)) > maxCorrelation;
  }
}

/** Pearson correlation over rows where both cells are present; 0 when either side is constant. */
export function pearson(a: readonly (number | null)[], b: readonly (number | null)[]): number {
  const xs: number[] = [];
  const ys: number[] = [];
  a.forEach((x, i) => {
    const y = b[i];
    if (x === null || y === null || y === undefined) return;
    xs.push(x);
    ys.push(y);
  });
  if (xs.length < 2) return 0;
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  xs.forEach((x, i) => {
    const dy = ys[i]! - my;
    [sxy, sxx, syy] = [sxy + (x - mx) * dy, sxx + (x - mx) ** 2, syy + dy * dy];
  });
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function distinctCount(cells: readonly (number | null)[]): number {
  return new Set(cells.filter((x) => x !== null)).size;
}

function variance(cells: readonly (number | null)[]): number {
  const present = cells.filter((x): x is number => x !== null);
  return present.length === 0 ? 0 : sumOfSquares(present) / present.length;
}

/** The first `k` columns of `scores` that are not excluded, in score order. */
export function selectTopK(scores: readonly FeatureScore[], k: number): FeatureScore[] {
  return sortScores(scores.filter((s) => !s.excluded)).slice(0, Math.max(0, k));
}

/**
 * chi² of each column of non-negative values (counts, frequencies) against `labels`, as sklearn's
 * `chi2`: observed = per-class sums of the column, expected = column total × class share. Missing
 * cells count as 0. chi² is undefined on negative values, which z-scored columns always have, so
 * compute it on unscaled values. Throws {@link FeatureSelectionError} naming every column with a
 * negative value (details: `column`, `minimum`, `columns`).
 */
export function chi2Scores(
  counts: Record<string, readonly (number | null)[]>,
  labels: readonly string[],
): FeatureScore[] {
  assertNonNegative(counts);
  const classIndex = indexClasses(labels);
  const classTotals = countClasses(labels, classIndex);
  const scores = Object.entries(counts).map(([name, cells]): FeatureScore => {
    const observed = new Array<number>(classTotals.length).fill(0);
    cells.forEach((x, row) => (observed[classIndex.get(labels[row]!)!]! += x ?? 0));
    return { name, score: chi2(observed, classTotals, labels.length), excluded: false };
  });
  return sortScores(scores);
}

/**
 * Builds a text vocabulary: each text is tokenised with {@link wordTokens}, its n-grams
 * (1..`ngramMax`, {@link wordNgrams}) are counted once per document, terms in fewer than
 * `minDocumentFrequency` documents are dropped, and the rest are ranked by chi² of the binary
 * document-term matrix against `labels` (sklearn's `chi2` on presence/absence). The top
 * `maxVocabulary` terms are returned, by chi² descending then term.
 */
export function buildTextVocabulary(
  texts: readonly string[],
  labels: readonly string[],
  options: VocabularyOptions,
): { terms: VocabularyTerm[] } {
  const classIndex = indexClasses(labels);
  const classTotals = countClasses(labels, classIndex);
  const perClass = documentCounts(texts, labels, classIndex, options.ngramMax);

  const terms: VocabularyTerm[] = [];
  for (const [term, counts] of perClass) {
    const df = counts.reduce((sum, c) => sum + c, 0);
    if (df >= options.minDocumentFrequency) terms.push({ term, df, chi2: chi2(counts, classTotals, texts.length) });
  }
  terms.sort((a, b) => b.chi2 - a.chi2 || compareText(a.term, b.term));
  return { terms: terms.slice(0, Math.max(0, options.maxVocabulary)) };
}

/** For each term, the number of documents of each class containing it. */
function documentCounts(
  texts: readonly string[],
  labels: readonly string[],
  classIndex: ReadonlyMap<string, number>,
  ngramMax: number,
): Map<string, number[]> {
  const perClass = new Map<string, number[]>();
  texts.forEach((text, doc) => {
    const c = classIndex.get(labels[doc]!)!;
    for (const term of new Set(wordNgrams(wordTokens(text), ngramMax))) {
      let counts = perClass.get(term);
      if (!counts) perClass.set(term, (counts = new Array<number>(classIndex.size).fill(0)));
      counts[c]!++;
    }
  });
  return perClass;
}

/** sklearn's chi²: Σ over classes of (observed − expected)² / expected; classes expecting 0 add 0. */
function chi2(observed: readonly number[], classTotals: readonly number[], rows: number): number {
  const total = observed.reduce((sum, x) => sum + x, 0);
  let score = 0;
  observed.forEach((o, c) => {
    const expected = (total * classTotals[c]!) / rows;
    if (expected > 0) score += (o - expected) ** 2 / expected;
  });
  return Number.isFinite(score) ? score : 0;
}

function anovaScore(name: string, values: readonly number[], classes: readonly string[]): FeatureScore {
  const groups = groupValues(values, classes);
  const k = groups.length;
  const n = values.length;
  if (k < 2) return { name, score: 0, excluded: false, reason: 'F undefined: fewer than two classes' };
  if (n <= k) return { name, score: 0, excluded: false, reason: 'F undefined: no within-class degrees of freedom' };

  const grand = mean(values);
  const between = groups.reduce((sum, g) => sum + g.length * (mean(g) - grand) ** 2, 0);
  const within = groups.reduce((sum, g) => sum + sumOfSquares(g), 0);
  if (within === 0) return { name, score: Number.MAX_VALUE, excluded: false, reason: 'zero within-class variance' };
  const f = between / (k - 1) / (within / (n - k));
  return Number.isFinite(f)
    ? { name, score: f, excluded: false }
    : { name, score: 0, excluded: false, reason: 'F undefined' };
}

function mutualInfoScore(name: string, values: readonly number[], classes: readonly string[]): FeatureScore {
  const bins = equalFrequencyBins(values, MUTUAL_INFO_BINS);
  const n = values.length;
  const joint = new Map<string, number>();
  const binCounts = new Map<number, number>();
  const classCounts = new Map<string, number>();
  bins.forEach((bin, i) => {
    const c = classes[i]!;
    joint.set(`${bin}\u0000${c}`, (joint.get(`${bin}\u0000${c}`) ?? 0) + 1);
    binCounts.set(bin, (binCounts.get(bin) ?? 0) + 1);
    classCounts.set(c, (classCounts.get(c) ?? 0) + 1);
  });

  let mi = 0;
  for (const [key, count] of joint) {
    const [bin, c] = key.split('\u0000') as [string, string];
    mi += (count / n) * Math.log((count * n) / (binCounts.get(Number(bin))! * classCounts.get(c)!));
  }
  return { name, score: Number.isFinite(mi) ? Math.max(0, mi) : 0, excluded: false };
}

/**
 * Bin of each value: floor(rank × bins / n), where rank is the 0-based position of the value's
 * first occurrence in sorted order, so equal values share a bin.
 */
export function equalFrequencyBins(values: readonly number[], bins: number): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const firstRank = new Map<number, number>();
  order.forEach((i, rank) => {
    if (!firstRank.has(values[i]!)) firstRank.set(values[i]!, rank);
  });
  return values.map((x) => Math.floor((firstRank.get(x)! * bins) / values.length));
}

function presentPairs(
  cells: readonly (number | null)[],
  labels: readonly string[],
): { values: number[]; classes: string[] } {
  const values: number[] = [];
  const classes: string[] = [];
  cells.forEach((x, row) => {
    if (x === null || !Number.isFinite(x) || labels[row] === undefined) return;
    values.push(x);
    classes.push(labels[row]);
  });
  return { values, classes };
}

function groupValues(values: readonly number[], classes: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  values.forEach((x, i) => {
    const group = groups.get(classes[i]!);
    if (group) group.push(x);
    else groups.set(classes[i]!, [x]);
  });
  return [...groups.values()];
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

function sumOfSquares(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((sum, x) => sum + (x - m) ** 2, 0);
}

function assertNonNegative(counts: Record<string, readonly (number | null)[]>): void {
  const negative = Object.entries(counts)
    .map(([name, cells]) => ({ column: name, minimum: cells.reduce<number>((min, x) => Math.min(min, x ?? 0), 0) }))
    .filter((c) => c.minimum < 0);
  const first = negative[0];
  if (!first) return;
  throw new FeatureSelectionError(
    `chi² needs non-negative values, but column "${first.column}" has minimum ${first.minimum}` +
      ` (${negative.map((c) => c.column).join(', ')}); score unscaled counts, or use anova / mutualInfo`,
    { column: first.column, minimum: first.minimum, columns: negative },
  );
}

function indexClasses(labels: readonly string[]): Map<string, number> {
  const sorted = [...new Set(labels)].sort(compareText);
  return new Map(sorted.map((label, i) => [label, i]));
}

function countClasses(labels: readonly string[], classIndex: ReadonlyMap<string, number>): number[] {
  const totals = new Array<number>(classIndex.size).fill(0);
  for (const label of labels) totals[classIndex.get(label)!]!++;
  return totals;
}

/** Significant digits to which two scores must agree to count as a tie. */
const SCORE_TIE_DIGITS = 12;

/**
 * Scored columns by score descending, then excluded ones; ties broken by name. Scores that agree to
 * {@link SCORE_TIE_DIGITS} significant digits are ties, so that the order (and the selection) does
 * not hang on the last bits of a sum, which differ with the order its terms were added in.
 */
export function sortScores(scores: readonly FeatureScore[]): FeatureScore[] {
  const rounded = (score: FeatureScore): number => Number(score.score.toPrecision(SCORE_TIE_DIGITS));
  return [...scores].sort(
    (a, b) =>
      Number(a.excluded) - Number(b.excluded) || rounded(b) - rounded(a) || compareText(a.name, b.name),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
