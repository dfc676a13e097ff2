import type { RawRecord, StudentBundle } from '../../../core/bundle';
import { studentShape, serializeStudent } from '../../../core/ml/student/model';
import { initialWeights } from '../../../core/ml/train-mlp';
import { recordWarnings } from '../../../api/models/predict';
import { labelled, PredictorCache } from '../../../api/models/predictor-cache';

const SPEC = {
  vocabulary: ['free'],
  ngramMax: 1,
  charBuckets: 8,
  tabular: ['amount', 'colour=red', 'colour=__unknown__'],
};
const BUNDLE: StudentBundle = {
  format: 'distillery-student-bundle/1',
  decision: { temperature: 1, threshold: 0.9 },
  transform: {
    label: 'label',
    text: 'note',
    labels: ['ham', 'spam'],
    fitted: {
      version: 1,
      numeric: [{ name: 'amount', mean: 10, std: 5, zeroVariance: false, missingIndicator: false }],
      categorical: [{ name: 'colour', categories: ['red'], rare: ['blue'] }],
    },
  },
  student: serializeStudent({
    spec: SPEC,
    classes: ['ham', 'spam'],
    hidden: 2,
    weights: initialWeights(studentShape(SPEC, 2, 2), 1),
  }),
};

describe('PredictorCache', () => {
  it(
    'should load a version once, share a load in flight, ' + 'and drop the least recently used past its capacity',
    async () => {
      const cache = new PredictorCache(2);
      const loads: string[] = [];
      const load = (key: string) => () => {
        loads.push(key);
        return Promise.resolve(BUNDLE);
      };

      const [a1, a2] = await Promise.all([cache.get('m@1', load('m@1')), cache.get('m@1', load('m@1'))]);
      await cache.get('m@2', load('m@2'));
      await cache.get('m@1', load('m@1'));
      await cache.get('m@3', load('m@3'));
      await cache.get('m@2', load('m@2'));

      expect(a1).toBe(a2);
      expect(loads).toEqual(['m@1', 'm@2', 'm@3', 'm@2']);
      expect(cache.size).toBe(2);
    },
  );

  it('should not keep a failed load, so the next request loads again', async () => {
    const cache = new PredictorCache(4);
    await expect(cache.get('m@1', () => Promise.reject(new Error('artifact missing')))).rejects.toThrow('missing');

    await expect(cache.get('m@1', () => Promise.resolve(BUNDLE))).resolves.toMatchObject({ bundle: BUNDLE });
    expect(cache.size).toBe(1);
  });
});

describe('labelled', () => {
  it('should decide with the stored threshold and name every class probability', () => {
    const rows = [Float64Array.from([0.15, 0.85]), Float64Array.from([0.05, 0.95])];

    expect(labelled(BUNDLE, rows)).toEqual([
      { label: 'ham', probabilities: { ham: 0.15, spam: 0.85 } },
      { label: 'spam', probabilities: { ham: 0.05, spam: 0.95 } },
    ]);
  });
});

describe('recordWarnings', () => {
  it('should warn of absent columns, non-numbers and unseen categories, but not of rare or missing ones', () => {
    const records: RawRecord[] = [
      { note: 'x', amount: 'ten', colour: 'blue' },
      { amount: null, colour: 'green' },
      { note: '', amount: 3, colour: '' },
    ];

    expect(recordWarnings(BUNDLE, records)).toEqual([
      { record: 0, column: 'amount', message: "value 'ten' is not a number: read as a missing value" },
      { record: 1, column: 'note', message: 'column absent: read as a missing value' },
      { record: 1, column: 'colour', message: "category 'green' was not seen in training: mapped to __unknown__" },
    ]);
  });
});
