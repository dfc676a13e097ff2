/**
 * Splits for data published with its own test file: the test rows are given, and only the
 * validation split is carved (stratified, seeded) from the main file's rows.
 */
import type { SplitName } from '../../common/constants';
import { seededRandom, shuffled } from '../util/random';
import { SplitError } from './errors';

/** Fewest main-file rows a class needs so that train and validation each get one. */
export const MIN_MAIN_ROWS_PER_CLASS = 2;

/**
 * Assigns `'test'` to every row whose `isTest` is true and carves validation from the others:
 * classes in name order, each class's main rows shuffled with one `seededRandom(seed)` generator,
 * the first max(1, round(n·validation)) (at most n − 1) to validation, the rest to train.
 *
 * Throws {@link SplitError} when a class has fewer than {@link MIN_MAIN_ROWS_PER_CLASS} main rows
 * (details `class`, `count`, `minimum`, `classes`), or when a class occurs only in the test rows
 * (details `testOnlyClasses`): no student could learn it.
 */
export function splitWithOfficialTest(
  labels: readonly string[],
  isTest: readonly boolean[],
  options: { seed: number; validation: number },
): SplitName[] {
  const mainByClass = new Map<string, number[]>();
  labels.forEach((label, row) => {
    if (isTest[row]) return;
    const rows = mainByClass.get(label);
    if (rows) rows.push(row);
    else mainByClass.set(label, [row]);
  });
  assertLearnable(labels, isTest, mainByClass);
  const random = seededRandom(options.seed);
  const splits = labels.map((_, row): SplitName => (isTest[row] ? 'test' : 'train'));
  for (const name of [...mainByClass.keys()].sort(compareText)) {
    const rows = shuffled(mainByClass.get(name)!, random);
    const validation = Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * options.validation)));
    rows.slice(0, validation).forEach((row) => (splits[row] = 'validation'));
  }
  return splits;
}

function assertLearnable(
  labels: readonly string[],
  isTest: readonly boolean[],
  mainByClass: ReadonlyMap<string, readonly number[]>,
): void {
  const testOnly = [...new Set(labels.filter((_, row) => isTest[row]))].filter((c) => !mainByClass.has(c)).sort();
  if (testOnly.length > 0) {
    throw new SplitError(`class(es) only in the test file, never in the training data: ${testOnly.join(', ')}`, {
      testOnlyClasses: testOnly,
    });
  }
  const small = [...mainByClass]
    .filter(([, rows]) => rows.length < MIN_MAIN_ROWS_PER_CLASS)
    .map(([name, rows]) => ({ class: name, count: rows.length }))
    .sort((a, b) => compareText(a.class, b.class));
  const first = small[0];
  if (!first) return;
  throw new SplitError(
    `class "${first.class}" has ${first.count} row(s) in the main file; train and validation need at least ` +
      `${MIN_MAIN_ROWS_PER_CLASS} (${small.length} class(es) too small: ${small.map((s) => s.class).join(', ')})`,
    { class: first.class, count: first.count, minimum: MIN_MAIN_ROWS_PER_CLASS, classes: small },
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
