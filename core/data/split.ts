/**
 * Stratified train / validation / test assignment, reproducible from a seed.
 */
import type { SplitName } from '../../common/constants';
import { seededRandom, shuffled } from '../util/random';
import { SplitError } from './errors';

/** Fractions of each class sent to validation and test; the rest goes to train. */
export interface SplitOptions {
  seed: number;
  validation: number;
  test: number;
}

/**
 * Fewest rows a class needs to be stratified: one for train and one for test. A class of two rows has
 * none in validation (calibration and early stopping then see it only through the other classes); from
 * three rows on, every split gets at least one.
 */
export const MIN_ROWS_PER_CLASS = 2;

/**
 * Assigns every row a split, stratified by `labels`. Classes are visited in name order, and each
 * class's row indices are shuffled with one `seededRandom(seed)` generator shared across classes;
 * the first round(n·test) go to test, the next round(n·validation) to validation, the rest to
 * train. Train and test get at least one row of every class, validation too when the class has
 * three rows or more (counts are adjusted, taking from the larger of test and validation first, so
 * that train keeps at least one). The same labels and
 * seed always give the same assignment.
 *
 * Throws {@link SplitError} before assigning anything when a class has fewer than
 * {@link MIN_ROWS_PER_CLASS} rows (details: `class`, `count`, `minimum`, and every such class in
 * `classes`), or when the fractions are not in [0, 1) or sum to 1 or more.
 */
export function stratifiedSplit(labels: readonly string[], options: SplitOptions): SplitName[] {
  assertFractions(options);
  const byClass = rowsByClass(labels);
  assertClassSizes(byClass);

  const random = seededRandom(options.seed);
  const splits: SplitName[] = new Array<SplitName>(labels.length).fill('train');
  for (const name of [...byClass.keys()].sort(compareText)) {
    const rows = shuffled(byClass.get(name)!, random);
    const { test, validation } = splitCounts(rows.length, options);
    rows.forEach((row, i) => (splits[row] = i < test ? 'test' : i < test + validation ? 'validation' : 'train'));
  }
  return splits;
}

/** Test and validation row counts for a class of `n` rows (n ≥ 2): test ≥ 1, train ≥ 1, validation ≥ 1 when n ≥ 3. */
export function splitCounts(
  n: number,
  options: Pick<SplitOptions, 'validation' | 'test'>,
): {
  test: number;
  validation: number;
} {
  let test = Math.max(1, Math.round(n * options.test));
  let validation = Math.max(1, Math.round(n * options.validation));
  while (test + validation > n - 1) {
    if (test >= validation && test > 1) test--;
    else validation--;
  }
  return { test, validation };
}

/** Fails with {@link SplitError} unless both fractions lie in [0, 1) and sum to less than 1. */
export function assertFractions(options: SplitOptions): void {
  const { validation, test } = options;
  const inRange = (f: number): boolean => Number.isFinite(f) && f >= 0 && f < 1;
  if (!inRange(validation) || !inRange(test) || validation + test >= 1) {
    throw new SplitError(`validation (${validation}) and test (${test}) must be in [0, 1) and sum to less than 1`, {
      validation,
      test,
    });
  }
}

function rowsByClass(labels: readonly string[]): Map<string, number[]> {
  const byClass = new Map<string, number[]>();
  labels.forEach((label, row) => {
    const rows = byClass.get(label);
    if (rows) rows.push(row);
    else byClass.set(label, [row]);
  });
  return byClass;
}

function assertClassSizes(byClass: ReadonlyMap<string, readonly number[]>): void {
  assertClassCounts([...byClass.entries()].map(([name, rows]) => ({ class: name, count: rows.length })));
}

/**
 * Fails with {@link SplitError} when a class has fewer than {@link MIN_ROWS_PER_CLASS} rows; details
 * name the first such class (in name order), its count, the minimum, and every such class.
 */
export function assertClassCounts(counts: readonly { class: string; count: number }[]): void {
  const small = counts.filter((c) => c.count < MIN_ROWS_PER_CLASS).sort((a, b) => compareText(a.class, b.class));
  const first = small[0];
  if (!first) return;
  throw new SplitError(
    `class "${first.class}" has ${first.count} row(s); a stratified split needs at least ` +
      `${MIN_ROWS_PER_CLASS} per class (${small.length} class(es) too small: ${small.map((s) => s.class).join(', ')})`,
    { class: first.class, count: first.count, minimum: MIN_ROWS_PER_CLASS, classes: small },
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
