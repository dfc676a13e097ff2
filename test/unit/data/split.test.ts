import path from 'node:path';
import { SplitError } from '../../../core/data/errors';
import { readCsv } from '../../../core/data/read';
import { splitCounts, stratifiedSplit } from '../../../core/data/split';

const CASES = path.resolve(__dirname, '../../..', 'test/fixtures/cases');

function countsByClass(labels: readonly string[], splits: readonly string[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  labels.forEach((label, i) => {
    const perSplit = (counts[label] ??= { train: 0, validation: 0, test: 0 });
    perSplit[splits[i]!] = (perSplit[splits[i]!] ?? 0) + 1;
  });
  return counts;
}

const labels = [...Array<string>(20).fill('b'), ...Array<string>(10).fill('a'), 'c', 'c', 'c'];

describe('stratifiedSplit', () => {
  it('assigns round(n·test) and round(n·validation) rows of each class, the rest to train', () => {
    const splits = stratifiedSplit(labels, { seed: 7, validation: 0.1, test: 0.2 });

    expect(countsByClass(labels, splits)).toEqual({
      b: { train: 14, validation: 2, test: 4 },
      a: { train: 7, validation: 1, test: 2 },
      c: { train: 1, validation: 1, test: 1 },
    });
  });

  it('gives the same assignment for the same seed and a different one for another seed', () => {
    const options = { validation: 0.1, test: 0.2 };

    const first = stratifiedSplit(labels, { seed: 7, ...options });

    expect(stratifiedSplit(labels, { seed: 7, ...options })).toEqual(first);
    expect(stratifiedSplit(labels, { seed: 8, ...options })).not.toEqual(first);
  });

  it('does not depend on the order in which classes first appear', () => {
    const reversedClasses = [...labels].sort().reverse();
    const options = { seed: 3, validation: 0.2, test: 0.2 };

    const byClass = (l: string[]): string[] => {
      const splits = stratifiedSplit(l, options);
      return ['a', 'b', 'c'].flatMap((c) => l.flatMap((x, i) => (x === c ? [splits[i]!] : [])));
    };

    expect(byClass(reversedClasses)).toEqual(byClass([...labels].sort()));
  });

  it('fails fast on a class with fewer than 2 rows, naming class, count and minimum (L12)', async () => {
    const { frame } = await readCsv(path.join(CASES, 'L12-singleton-class.csv'));
    const l12 = frame.values.label!.map(String);

    const split = (): unknown => stratifiedSplit(l12, { seed: 1, validation: 0.1, test: 0.1 });

    expect(split).toThrow(SplitError);
    expect(split).toThrow(
      'class "c" has 1 row(s); a stratified split needs at least 2 per class',
    );
    try {
      split();
    } catch (error) {
      expect((error as SplitError).details).toEqual({
        class: 'c',
        count: 1,
        minimum: 2,
        classes: [{ class: 'c', count: 1 }],
      });
    }
  });

  it('stratifies a class of two rows into one train row and one test row (sibling of L12)', () => {
    const pair = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'];
    const splits = stratifiedSplit(pair, { seed: 3, validation: 0.15, test: 0.15 });
    const ofB = splits.filter((_, i) => pair[i] === 'b').sort();

    expect(ofB).toEqual(['test', 'train']);
    expect(splitCounts(2, { validation: 0.15, test: 0.15 })).toEqual({ test: 1, validation: 0 });
  });

  it('rejects fractions outside [0, 1) or summing to 1 or more', () => {
    expect(() => stratifiedSplit(labels, { seed: 1, validation: 0.5, test: 0.5 })).toThrow(SplitError);
    expect(() => stratifiedSplit(labels, { seed: 1, validation: -0.1, test: 0.2 })).toThrow(SplitError);
  });
});

describe('splitCounts', () => {
  it('keeps at least one row in each split, taking from the larger held-out split first', () => {
    expect(splitCounts(3, { validation: 0, test: 0 })).toEqual({ test: 1, validation: 1 });
    expect(splitCounts(4, { validation: 0.3, test: 0.45 })).toEqual({ test: 2, validation: 1 });
    expect(splitCounts(5, { validation: 0.4, test: 0.4 })).toEqual({ test: 2, validation: 2 });
    expect(splitCounts(100, { validation: 0.15, test: 0.15 })).toEqual({ test: 15, validation: 15 });
  });
});
