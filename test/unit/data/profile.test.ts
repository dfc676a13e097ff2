import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../../../common/errors';
import { column, makeFrame, takeRows, withColumn, type Cell, type Frame } from '../../../core/data/frame';
import {
  compareProfiles,
  profileFrame,
  type ColumnProfile,
  type DatasetProfile,
  type DriftPolicy,
} from '../../../core/data/profile';
import { readCsv } from '../../../core/data/read';

const DATASETS = path.resolve(__dirname, '../../..', '../shared/datasets');
const ADULT = path.join(DATASETS, 'adult', 'adult.csv');
const SMS = path.join(DATASETS, 'sms_spam', 'sms_spam.csv');

function smallFrame(): Frame {
  return makeFrame(
    ['age', 'city', 'flag', 'empty', 'sparse'],
    { age: 'number', city: 'string', flag: 'string', empty: 'number', sparse: 'number' },
    {
      age: [30, 10, null, 20, 40],
      city: ['Oslo', 'K\u00f6ln', 'Oslo', null, 'Bonn'],
      flag: ['x', 'x', 'x', null, 'x'],
      empty: [null, null, null, null, null],
      sparse: [null, null, null, 1, 2],
    },
  );
}

function columnOf(profile: DatasetProfile, name: string): ColumnProfile {
  const found = profile.columns.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`profile has no column ${name}`);
  return found;
}

/** Profiles of two one-column frames, for comparisons. */
function profilePair(type: 'number' | 'string', before: Cell[], after: Cell[], topCategories?: number) {
  const profile = (cells: Cell[]) => profileFrame(makeFrame(['x'], { x: type }, { x: cells }), { topCategories });
  return { baseline: profile(before), current: profile(after) };
}

function compareCells(type: 'number' | 'string', before: Cell[], after: Cell[], policy: DriftPolicy = {}) {
  const { baseline, current } = profilePair(type, before, after);
  return compareProfiles(baseline, current, policy);
}

function renameColumn(frame: Frame, from: string, to: string): Frame {
  const rename = (name: string) => (name === from ? to : name);
  const columns = frame.columns.map(rename);
  const types = Object.fromEntries(frame.columns.map((name) => [rename(name), frame.types[name]!]));
  const values = Object.fromEntries(frame.columns.map((name) => [rename(name), column(frame, name)]));
  return makeFrame(columns, types, values);
}

function numbersOf(frame: Frame, name: string): number[] {
  return column(frame, name).filter((cell): cell is number => typeof cell === 'number');
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Same rule as the messages: six significant digits, trailing zeros dropped. */
function shown(value: number): string {
  return String(Number(value.toPrecision(6)));
}

describe('profileFrame', () => {
  it('summarises a number column with population std and an interpolated median', () => {
    const age = columnOf(profileFrame(smallFrame()), 'age');

    expect(age).toMatchObject({ name: 'age', type: 'number', rows: 5, missing: 1, missingFraction: 0.2, distinct: 4 });
    expect(age.numeric).toEqual({ min: 10, max: 40, mean: 25, std: Math.sqrt(125), p50: 25 });
    expect(age.strings).toBeNull();
    expect(age.anomalies).toEqual([]);
  });

  it('lists the top categories by count, then by value, with the share they cover', () => {
    const city = columnOf(profileFrame(smallFrame(), { topCategories: 2 }), 'city');

    expect(city.distinct).toBe(3);
    expect(city.strings).toEqual({
      topCategories: [
        { value: 'Oslo', count: 2 },
        { value: 'Bonn', count: 1 },
      ],
      topCoverage: 0.75,
      averageLength: 4,
    });
    expect(city.numeric).toBeNull();
  });

  it('measures string length in code points, so an emoji counts once', () => {
    const frame = makeFrame(['t'], { t: 'string' }, { t: ['a\u{1F642}', 'abcd'] });

    expect(profileFrame(frame).columns[0]?.strings?.averageLength).toBe(3);
  });

  it('flags constant, all-missing and mostly-missing columns', () => {
    const profile = profileFrame(smallFrame());

    expect(columnOf(profile, 'flag').anomalies).toEqual([
      { kind: 'constantColumn', message: 'all 4 non-missing values are equal' },
    ]);
    expect(columnOf(profile, 'empty')).toMatchObject({ missing: 5, missingFraction: 1, distinct: 0, numeric: null });
    expect(columnOf(profile, 'empty').anomalies).toEqual([{ kind: 'allMissing', message: 'all 5 values are missing' }]);
    expect(columnOf(profile, 'sparse').anomalies).toEqual([
      { kind: 'highMissing', message: '3 of 5 values are missing (0.6)' },
    ]);
  });

  it('flags a column of distinct values as ID-like from 20 rows on, not below', () => {
    const ids = (n: number) => makeFrame(['id'], { id: 'number' }, { id: Array.from({ length: n }, (_, i) => i) });

    expect(profileFrame(ids(20)).columns[0]?.anomalies).toEqual([
      { kind: 'idLike', message: 'all 20 non-missing values are distinct' },
    ]);
    expect(profileFrame(ids(19)).columns[0]?.anomalies).toEqual([]);
  });

  it('keeps frame column order and survives a JSON round trip unchanged', () => {
    const profile = profileFrame(smallFrame());

    expect(profile.rows).toBe(5);
    expect(profile.columns.map((c) => c.name)).toEqual(['age', 'city', 'flag', 'empty', 'sparse']);
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it('rejects a topCategories that is not a positive integer', () => {
    expect(() => profileFrame(smallFrame(), { topCategories: 0 })).toThrow(InvalidConfigError);
    expect(() => profileFrame(smallFrame(), { topCategories: 1.5 })).toThrow(/topCategories/);
  });
});

describe('compareProfiles', () => {
  it('reports nothing for identical profiles', () => {
    const profile = profileFrame(smallFrame());

    expect(compareProfiles(profile, profile, {})).toEqual({ findings: [], status: 'ok' });
  });

  it('fails on a type change by default and warns when the policy says so', () => {
    const baseline = profileFrame(makeFrame(['x'], { x: 'number' }, { x: [1, 2] }));
    const current = profileFrame(makeFrame(['x'], { x: 'string' }, { x: ['a', 'b'] }));

    const report = compareProfiles(baseline, current, {});

    expect(report.status).toBe('fail');
    expect(report.findings).toEqual([
      {
        column: 'x',
        kind: 'typeChange',
        severity: 'fail',
        message: 'column x changed type from number to string',
        baseline: 'number',
        current: 'string',
      },
    ]);
    expect(compareProfiles(baseline, current, { onSchemaChange: 'warn' }).status).toBe('warn');
  });

  it('reports missing columns in baseline order, then new columns', () => {
    const baseline = profileFrame(smallFrame());
    const current = profileFrame(renameColumn(renameColumn(smallFrame(), 'city', 'town'), 'age', 'years'));

    const report = compareProfiles(baseline, current, {});

    expect(report.status).toBe('fail');
    expect(report.findings.map((f) => [f.column, f.kind, f.baseline, f.current])).toEqual([
      ['age', 'missingColumn', 'number', null],
      ['city', 'missingColumn', 'string', null],
      ['years', 'newColumn', null, 'number'],
      ['town', 'newColumn', null, 'string'],
    ]);
    expect(report.findings[0]?.message).toBe('column age (number) is missing; the baseline has it');
    expect(report.findings[2]?.message).toBe('column years (number) is new; the baseline has no such column');
  });

  it('warns when the missing fraction rises by more than the limit, not when it rises by exactly the limit', () => {
    const report = compareCells('number', [1, 2, 3, 4, null], [1, 4, null, null, null]);

    expect(report).toEqual({
      status: 'warn',
      findings: [
        {
          column: 'x',
          kind: 'missingIncrease',
          severity: 'warn',
          message: 'missing fraction of x rose from 0.2 to 0.6 (+0.4; limit +0.1)',
          baseline: 0.2,
          current: 0.6,
        },
      ],
    });
    const tenth = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(compareCells('number', tenth, [...tenth.slice(1), null]).findings).toEqual([]);
  });

  it('warns on a mean shift beyond the limit in baseline standard deviations', () => {
    const report = compareCells('number', [0, 10], [5, 13]);

    expect(report.findings).toEqual([
      {
        column: 'x',
        kind: 'meanShift',
        severity: 'warn',
        message: 'mean of x moved from 5 to 9 (0.8 baseline std; limit 0.5)',
        baseline: 5,
        current: 9,
      },
    ]);
    expect(compareCells('number', [0, 10], [2, 12]).findings).toEqual([]);
    expect(compareCells('number', [0, 10], [2, 12], { maxMeanShiftStd: 0.3 }).findings).toHaveLength(1);
  });

  it('compares the mean of a zero-std baseline column by exact equality', () => {
    expect(compareCells('number', [3, 3], [3, 3]).findings).toEqual([]);

    const [found] = compareCells('number', [3, 3], [3, 4]).findings;
    expect(found).toMatchObject({ kind: 'meanShift', baseline: 3, current: 3.5 });
    expect(found?.message).toBe('mean of x moved from 3 to 3.5 (baseline std is 0)');
  });

  it('measures a category shift as the largest frequency difference over the union of categories', () => {
    const report = compareCells('string', ['a', 'a', 'a', 'b'], ['a', 'b', 'b', 'b']);

    expect(report.findings).toEqual([
      {
        column: 'x',
        kind: 'categoryShift',
        severity: 'warn',
        message:
          'category distribution of x shifted by 0.5 (L-infinity; limit 0.2): frequency of "a" went from 0.75 to 0.25',
        baseline: 0.75,
        current: 0.25,
      },
    ]);
    expect(compareCells('string', ['a', 'a', 'a', 'b'], ['a', 'a', 'b', 'b'], { maxCategoryShift: 0.25 }).status).toBe(
      'ok',
    );
  });

  it('counts a category outside a top list as 0 there and puts the uncovered share in "(other)"', () => {
    const { baseline, current } = profilePair('string', ['a', 'a', 'b', 'c'], ['d', 'd', 'd', 'e'], 1);

    const [found] = compareProfiles(baseline, current, {}).findings;

    // Vectors over {a, (other), d}: baseline (0.5, 0.5, 0), current (0, 0.25, 0.75).
    expect(found).toMatchObject({ kind: 'categoryShift', baseline: 0, current: 0.75 });
    expect(found?.message).toContain('shifted by 0.75');
    expect(found?.message).toContain('"d" went from 0 to 0.75');
  });

  it('fails on a distribution shift when the policy says so', () => {
    const report = compareCells('number', [0, 10], [5, 13], { onDistributionShift: 'fail' });

    expect(report.status).toBe('fail');
    expect(report.findings[0]?.severity).toBe('fail');
  });

  it('rejects a negative or non-finite threshold', () => {
    const profile = profileFrame(smallFrame());

    expect(() => compareProfiles(profile, profile, { maxCategoryShift: -0.1 })).toThrow(InvalidConfigError);
    expect(() => compareProfiles(profile, profile, { maxMeanShiftStd: Number.NaN })).toThrow(/maxMeanShiftStd/);
  });
});

describe('profiles of the real data sets', () => {
  it('counts "?" cells of the adult data as missing, matching a plain count of the file', async () => {
    const { frame } = await readCsv(ADULT, { missingValues: ['?'] });
    const profile = profileFrame(frame);

    const lines = (await readFile(ADULT, 'utf-8')).split('\n').filter((line) => line.trim() !== '');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((line) => line.trim().split(','));
    const field = (name: string) => rows.map((cells) => cells[header.indexOf(name)]!);
    const ages = field('age').map(Number);
    const privateRows = field('workclass').filter((value) => value === 'Private').length;

    expect(profile.rows).toBe(32561);
    expect(rows).toHaveLength(32561);
    for (const name of ['workclass', 'occupation', 'native-country']) {
      expect(columnOf(profile, name).missing).toBe(field(name).filter((value) => value === '?').length);
    }
    expect(columnOf(profile, 'workclass').missing).toBe(1836);
    expect(columnOf(profile, 'workclass').strings?.topCategories[0]).toEqual({ value: 'Private', count: privateRows });
    const age = columnOf(profile, 'age').numeric!;
    expect(age.min).toBe(Math.min(...ages));
    expect(age.max).toBe(Math.max(...ages));
    expect(age.mean).toBeCloseTo(mean(ages), 9);
    expect(columnOf(profile, 'age').distinct).toBe(new Set(ages).size);
  }, 60_000);

  describe('SMS spam, first half against second half', () => {
    let first: Frame;
    let second: Frame;
    beforeAll(async () => {
      const { frame } = await readCsv(SMS);
      const lengths = column(frame, 'text').map((cell) => (cell === null ? null : String(cell).length));
      const withLength = withColumn(frame, 'length', 'number', lengths);
      const half = Math.floor(frame.rowCount / 2);
      const indices = Array.from({ length: frame.rowCount }, (_, i) => i);
      first = takeRows(withLength, indices.slice(0, half));
      second = takeRows(withLength, indices.slice(half));
    }, 60_000);

    it('finds no schema change between the halves', () => {
      const report = compareProfiles(profileFrame(first), profileFrame(second), {});

      const schemaKinds = ['newColumn', 'missingColumn', 'typeChange'];
      expect(report.findings.filter((f) => schemaKinds.includes(f.kind))).toEqual([]);
      expect(['ok', 'warn']).toContain(report.status);
    });

    it('fails, naming the column, when a column is renamed', () => {
      const report = compareProfiles(profileFrame(first), profileFrame(renameColumn(second, 'text', 'message')), {});

      expect(report.status).toBe('fail');
      expect(report.findings).toContainEqual(
        expect.objectContaining({ column: 'text', kind: 'missingColumn', severity: 'fail' }),
      );
      expect(report.findings).toContainEqual(
        expect.objectContaining({ column: 'message', kind: 'newColumn', severity: 'fail' }),
      );
    });

    it('warns with both means when a numeric column is scaled by ten', () => {
      const scaled = column(second, 'length').map((cell) => (cell === null ? null : Number(cell) * 10));
      const current = withColumn(second, 'length', 'number', scaled);

      const report = compareProfiles(profileFrame(first), profileFrame(current), {});

      const baselineMean = mean(numbersOf(first, 'length'));
      const currentMean = mean(numbersOf(current, 'length'));
      expect(report.status).toBe('warn');
      const found = report.findings.find((f) => f.kind === 'meanShift');
      expect(found).toMatchObject({ column: 'length', severity: 'warn' });
      expect(found?.baseline).toBeCloseTo(baselineMean, 9);
      expect(found?.current).toBeCloseTo(currentMean, 9);
      expect(found?.message).toContain(`from ${shown(baselineMean)} to ${shown(currentMean)}`);
    });
  });
});
