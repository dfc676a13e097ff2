import path from 'node:path';
import { SchemaError } from '../../../core/data/errors';
import { makeFrame } from '../../../core/data/frame';
import { readCsv } from '../../../core/data/read';
import {
  applyStandardizer,
  createRowEncoder,
  fitStandardizer,
  normalizeLabels,
  quantile,
} from '../../../core/data/standardize';

const CASES = path.resolve(__dirname, '../../..', 'test/fixtures/cases');

describe('fitStandardizer and applyStandardizer', () => {
  it('z-scores with the population std and outputs exactly 0 for constant columns (L09)', async () => {
    const { frame } = await readCsv(path.join(CASES, 'L09-constant-columns.csv'));
    const all = Array.from({ length: frame.rowCount }, (_, i) => i);

    const transform = fitStandardizer(frame, all, { numeric: ['c_const_float', 'c_const_int', 'x'], categorical: [] });
    const out = applyStandardizer(transform, frame);

    const expected = [-1.5667, -1.2185, -0.8704, -0.5222, -0.1741, 0.1741, 0.5222, 0.8704, 1.2185, 1.5667];
    (out.values.x as number[]).forEach((z, i) => expect(z).toBeCloseTo(expected[i]!, 4));
    expect(out.values.c_const_float).toEqual(Array<number>(10).fill(0));
    expect(out.values.c_const_int).toEqual(Array<number>(10).fill(0));
    expect(transform.numeric.map((t) => t.zeroVariance)).toEqual([true, true, false]);
    expect(out.columns).toEqual(['c_const_float', 'c_const_int', 'x', 'label']);
  });

  it('fits on the training rows only and applies the same parameters to other rows', () => {
    const frame = makeFrame(
      ['v', 'label'],
      { v: 'number', label: 'string' },
      { v: [1, 3, 100], label: ['a', 'b', 'a'] },
    );

    const transform = fitStandardizer(frame, [0, 1], { numeric: ['v'], categorical: [] });

    expect(transform.numeric).toEqual([
      {
        name: 'v',
        mean: 2,
        std: 1,
        zeroVariance: false,
        missingIndicator: false,
        scaling: 'zscore',
        center: 2,
        scale: 1,
        fill: 2,
      },
    ]);
    expect(applyStandardizer(transform, frame).values.v).toEqual([-1, 1, 98]);
  });

  it('imputes the training mean and adds an indicator only when training had missing values', () => {
    const frame = makeFrame(['a', 'b'], { a: 'number', b: 'number' }, { a: [2, null, 4, null], b: [1, 2, 3, null] });

    const transform = fitStandardizer(frame, [0, 1, 2], { numeric: ['a', 'b'], categorical: [] });
    const out = applyStandardizer(transform, frame);

    expect(out.columns).toEqual(['a', 'a__missing', 'b']);
    expect(out.values.a).toEqual([-1, 0, 1, 0]);
    expect(out.values.a__missing).toEqual([0, 1, 0, 1]);
    expect(out.values.b![3]).toBe(0);
  });

  it('one-hot encodes sorted training categories, grouping rare ones and unseen or missing ones', () => {
    const colour = ['red', 'blue', 'red', 'green', 'blue', 'purple', null];
    const frame = makeFrame(
      ['colour', 'text'],
      { colour: 'string', text: 'string' },
      {
        colour,
        text: colour.map((_, i) => `t${i}`),
      },
    );

    const transform = fitStandardizer(frame, [0, 1, 2, 3, 4], { numeric: [], categorical: ['colour'] });
    const out = applyStandardizer(transform, frame);

    expect(transform.categorical).toEqual([{ name: 'colour', categories: ['blue', 'red'], rare: ['green'] }]);
    expect(out.columns).toEqual(['colour=blue', 'colour=red', 'colour=__rare__', 'colour=__unknown__', 'text']);
    expect(out.values['colour=blue']).toEqual([0, 1, 0, 0, 1, 0, 0]);
    expect(out.values['colour=red']).toEqual([1, 0, 1, 0, 0, 0, 0]);
    expect(out.values['colour=__rare__']).toEqual([0, 0, 0, 1, 0, 0, 0]);
    expect(out.values['colour=__unknown__']).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(out.values.text).toEqual(frame.values.text);
  });

  it('gives the same output from a transform that went through JSON', () => {
    const frame = makeFrame(['v', 'k'], { v: 'number', k: 'string' }, { v: [1, 2, null], k: ['x', 'x', 'y'] });
    const transform = fitStandardizer(frame, [0, 1, 2], { numeric: ['v'], categorical: ['k'] });

    const revived = JSON.parse(JSON.stringify(transform)) as typeof transform;

    expect(applyStandardizer(revived, frame)).toEqual(applyStandardizer(transform, frame));
  });

  it('parses numeric text at prediction time and treats unparseable text as missing', () => {
    const train = makeFrame(['v'], { v: 'number' }, { v: [0, 2] });
    const incoming = makeFrame(['v'], { v: 'string' }, { v: [' 4 ', 'oops'] });

    const out = applyStandardizer(fitStandardizer(train, [0, 1], { numeric: ['v'], categorical: [] }), incoming);

    expect(out.values.v).toEqual([3, 0]);
  });

  it('rejects absent columns and text columns listed as numeric', () => {
    const frame = makeFrame(['t'], { t: 'string' }, { t: ['a'] });

    expect(() => fitStandardizer(frame, [0], { numeric: ['t'], categorical: [] })).toThrow(SchemaError);
    expect(() => fitStandardizer(frame, [0], { numeric: [], categorical: ['nope'] })).toThrow('nope not found');
  });

  it('never outputs NaN, Infinity or ±1 for a near-constant column whose std is float noise', () => {
    const v = [0.1 + 0.2, 0.3, 0.1 + 0.2, 0.3, 0.30000000000000004];
    const frame = makeFrame(['v'], { v: 'number' }, { v });

    const out = applyStandardizer(fitStandardizer(frame, [0, 1, 2, 3, 4], { numeric: ['v'], categorical: [] }), frame);

    expect(out.values.v).toEqual([0, 0, 0, 0, 0]);
  });

  it('scales robustly by median and interquartile range, fitted on training rows (L09 x)', async () => {
    const { frame } = await readCsv(path.join(CASES, 'L09-constant-columns.csv'));
    const all = Array.from({ length: frame.rowCount }, (_, i) => i);

    const spec = { numeric: ['c_const_int', 'x'], categorical: [], scaling: 'robust' as const };
    const transform = fitStandardizer(frame, all, spec);
    const out = applyStandardizer(transform, frame);

    // numpy: median(1..10) = 5.5, percentile 75 − 25 = 7.75 − 3.25 = 4.5 (sklearn RobustScaler).
    expect(transform.numeric[1]).toMatchObject({ center: 5.5, scale: 4.5 });
    expect(out.values.x![0]).toBeCloseTo(-1, 12);
    expect(out.values.x![9]).toBeCloseTo(1, 12);
    expect(out.values.c_const_int).toEqual(Array<number>(10).fill(0));
  });

  it('uses scale 1 when the interquartile range is 0, as scikit-learn does', () => {
    const frame = makeFrame(['v'], { v: 'number' }, { v: [0, 0, 0, 0, 0, 0, 10] });

    const out = applyStandardizer(
      fitStandardizer(frame, [0, 1, 2, 3, 4, 5, 6], { ...numericOnly('v'), scaling: 'robust' }),
      frame,
    );

    expect(out.values.v).toEqual([0, 0, 0, 0, 0, 0, 10]);
  });

  it('passes values through unscaled with scaling none, filling missing ones', () => {
    const frame = makeFrame(['v'], { v: 'number' }, { v: [3, 5, null, 5] });

    const transform = fitStandardizer(frame, [0, 1, 2], { ...numericOnly('v'), scaling: 'none' });

    expect(applyStandardizer(transform, frame).values.v).toEqual([3, 5, 4, 5]);
  });

  it('imputes the training median or most frequent value instead of the mean when asked', () => {
    const frame = makeFrame(['v'], { v: 'number' }, { v: [1, 2, 2, 10, null, 100] });
    const train = [0, 1, 2, 3, 4];

    const fitted = fitStandardizer(frame, train, { ...numericOnly('v'), impute: 'median' });
    const median = fitted.numeric[0]!;
    const mode = fitStandardizer(frame, train, { ...numericOnly('v'), impute: 'mostFrequent' }).numeric[0]!;
    const out = applyStandardizer(fitted, frame);

    expect([median.fill, mode.fill]).toEqual([2, 2]);
    expect(median.missingIndicator).toBe(true);
    expect(out.values.v![4]).toBeCloseTo((2 - 3.75) / median.std, 12);
    expect(out.values['v__missing']).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it('groups categories seen fewer than minCategoryCount times in training as rare', () => {
    const frame = makeFrame(['c'], { c: 'string' }, { c: ['a', 'a', 'a', 'b', 'b', 'c', 'z'] });

    const transform = fitStandardizer(frame, [0, 1, 2, 3, 4, 5], {
      numeric: [],
      categorical: ['c'],
      minCategoryCount: 3,
    });
    const out = applyStandardizer(transform, frame);

    expect(transform.categorical).toEqual([{ name: 'c', categories: ['a'], rare: ['b', 'c'] }]);
    expect(out.values['c=__unknown__']).toEqual([0, 0, 0, 0, 0, 0, 1]);
  });

  it('interpolates quantiles linearly, as numpy', () => {
    expect([0, 0.25, 0.5, 0.75, 1].map((q) => quantile([1, 2, 3, 4], q))).toEqual([1, 1.75, 2.5, 3.25, 4]);
  });
});

describe('createRowEncoder', () => {
  const frame = makeFrame(
    ['amount', 'colour', 'flat'],
    { amount: 'number', colour: 'string', flat: 'number' },
    {
      amount: [2, null, 4, 7.5, '3', 'n/a', -1],
      colour: ['red', 'blue', 'red', 'green', 'blue', 'purple', null],
      flat: [5, 5, 5, 5, 5, 5, 5],
    },
  );
  const transform = fitStandardizer(frame, [0, 1, 2, 3, 4], { numeric: ['amount', 'flat'], categorical: ['colour'] });
  const applied = applyStandardizer(transform, frame);

  it('gives every output column of every record exactly the value applyStandardizer gives it', () => {
    const encode = createRowEncoder(transform, applied.columns);

    for (let r = 0; r < frame.rowCount; r++) {
      const row = encode((column) => frame.values[column]![r] ?? null);
      expect(row).toEqual(applied.columns.map((column) => applied.values[column]![r]));
    }
  });

  it('gives 0 for a requested column the transform does not produce, in the order requested', () => {
    const encode = createRowEncoder(transform, ['colour=red', 'not-a-column', 'amount__missing']);

    expect(encode((column) => ({ amount: null, colour: 'red' })[column] ?? null)).toEqual([1, 0, 1]);
  });
});

describe('normalizeLabels', () => {
  it('changes case as asked and records only the labels that changed', () => {
    expect(normalizeLabels(['Spam', 'ham', 'HAM', 'spam'], 'lower')).toEqual({
      labels: ['spam', 'ham', 'ham', 'spam'],
      mapping: { Spam: 'spam', HAM: 'ham' },
    });
    expect(normalizeLabels(['a'], 'preserve')).toEqual({ labels: ['a'], mapping: {} });
  });
});

function numericOnly(name: string): { numeric: string[]; categorical: string[] } {
  return { numeric: [name], categorical: [] };
}
