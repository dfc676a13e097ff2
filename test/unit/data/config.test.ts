import { parsePipelineConfig } from '../../../common/config';
import { InvalidConfigError } from '../../../common/errors';

const base = { dataPath: '/data/l10b.csv', label: 'label', modelName: 'l10b' };

function rejection(input: unknown): InvalidConfigError {
  try {
    parsePipelineConfig(input);
  } catch (error) {
    return error as InvalidConfigError;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('data configuration checked before a run starts', () => {
  it('rejects chi2 on z-scored columns, naming selection.tabularMethod (L10b)', () => {
    const error = rejection({ ...base, selection: { tabularMethod: 'chi2' } });

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.details).toEqual({ field: 'selection.tabularMethod' });
    expect(error.message).toContain("standardize.scaling is 'zscore'");
  });

  it('rejects chi2 on robust-scaled columns and accepts it on unscaled ones', () => {
    const robust = { ...base, selection: { tabularMethod: 'chi2' }, standardize: { scaling: 'robust' } };

    expect(rejection(robust).details).toEqual({ field: 'selection.tabularMethod' });
    expect(parsePipelineConfig({ ...robust, standardize: { scaling: 'none' } }).selection.tabularMethod).toBe('chi2');
  });

  it('rejects a top-k larger than the listed features, but not the default cap', () => {
    const listed = { ...base, features: ['a', 'b'] };

    expect(rejection({ ...listed, selection: { maxTabularFeatures: 3 } }).details).toEqual({
      field: 'selection.maxTabularFeatures',
    });
    expect(parsePipelineConfig(listed).selection.maxTabularFeatures).toBe(20);
    expect(parsePipelineConfig({ ...listed, selection: { maxTabularFeatures: 2 } }).selection.maxTabularFeatures).toBe(
      2,
    );
  });

  it('rejects number separators that collide with the delimiter or each other', () => {
    expect(rejection({ ...base, csv: { delimiter: ',', decimal: ',' } }).details).toEqual({ field: 'csv.delimiter' });
    expect(rejection({ ...base, csv: { decimal: ',', thousands: ',' } }).details).toEqual({ field: 'csv.thousands' });
    expect(parsePipelineConfig({ ...base, csv: { delimiter: ';', decimal: ',', thousands: '.' } }).csv).toEqual({
      delimiter: ';',
      decimal: ',',
      thousands: '.',
    });
  });

  it('rejects a near-duplicate threshold outside (0, 1] and an unknown conflict policy', () => {
    expect(rejection({ ...base, dedupe: { threshold: 0 } }).details).toEqual({ field: 'dedupe.threshold' });
    expect(rejection({ ...base, dedupe: { conflictPolicy: 'vote' } }).details).toEqual({
      field: 'dedupe.conflictPolicy',
    });
  });

  it('applies the data defaults that keep the demo behaviour', () => {
    const config = parsePipelineConfig(base);

    expect(config.cleaning).toEqual({ missing: 'keep', impute: 'mean', redactPii: false });
    expect(config.dedupe).toMatchObject({ nearDuplicates: false, conflictPolicy: 'majority' });
    expect(config.standardize).toEqual({
      scaling: 'zscore',
      minCategoryCount: 2,
      labelCase: 'preserve',
      dropRareClasses: false,
    });
    expect(config.selection).toMatchObject({ tabularMethod: 'anova', mode: 'topK', maxTabularFeatures: 20 });
    expect(config.drift).toEqual({
      policy: 'warn',
      maxMissingIncrease: 0.1,
      maxMeanShiftStd: 0.5,
      maxCategoryShift: 0.2,
    });
  });
});
