/**
 * A dataset published with its own test file (`testDataPath`): clean keeps both files with a source
 * marker, dedupe works within each file and reports the texts the files share (dropping the
 * main-file copy), and standardize sends exactly the test file's rows to test, carving validation
 * from the main file only. Fixture: official-test/train.csv (14 rows; classes a, b, c) and
 * test.csv (6 rows; classes a, b — class c is absent from the test file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { createCpuActivities } from '../../../activities';
import { readFrame } from '../../../artifacts/parquet';
import { InvalidConfigError } from '../../../common/errors';
import { parsePipelineConfig } from '../../../common/config';
import { ROW_ID_COLUMN } from '../../../common/constants';
import { column } from '../../../core/data/frame';
import { splitWithOfficialTest } from '../../../core/data/official-split';
import { createDeps, type WiredDeps } from '../../../workers/deps';
import { activityEnvironment, classesBySplit, runIn } from './chain';

const FIXTURES = resolve(__dirname, '../../fixtures/activities/official-test');

describe('an official test file (testDataPath)', () => {
  let home: string;
  let deps: WiredDeps;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-official-test-'));
    deps = createDeps({ home, namespace: 'default' });
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const configFor = (testFile: string) =>
    parsePipelineConfig({
      dataPath: join(FIXTURES, 'train.csv'),
      testDataPath: join(FIXTURES, testFile),
      label: 'label',
      text: 'text',
      modelName: 'official',
      seed: 7,
    });

  async function dataSteps(testFile: string) {
    const cpu = createCpuActivities(deps);
    const config = configFor(testFile);
    const cleaned = await runIn(activityEnvironment(), cpu.clean, { config });
    const deduped = await runIn(activityEnvironment(), cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const fromDeduped = { config, input: deduped.outputs.deduped! };
    const standardize = () => runIn(activityEnvironment(), cpu.standardize, fromDeduped);
    return { cleaned, deduped, standardize };
  }

  it('keeps the test file as published, reports cross-file duplicates and carves validation from train', async () => {
    const { cleaned, deduped, standardize } = await dataSteps('test.csv');
    expect(cleaned.summary.sources).toEqual({ main: 14, test: 6 });
    expect(cleaned.outputs.testDataset).toBeDefined();

    const report = deduped.summary as Record<string, unknown> & { crossFile: Record<string, unknown> };
    expect(report.exactDuplicates).toBe(1); // "apple pie",a,1 twice in train.csv
    expect(report.normalizedDuplicates).toBe(1); // "BANANA shake " repeats "banana shake" in test.csv
    expect(report.crossFile).toEqual({
      removedFrom: 'main',
      duplicates: 2,
      labelsDiffer: 1,
      listed: [
        { mainRowId: 9, testRowId: 16, mainLabel: 'b', testLabel: 'b', key: 'banana shake' },
        { mainRowId: 13, testRowId: 18, mainLabel: 'a', testLabel: 'b', key: 'apple crumble' },
      ],
    });
    expect(report.rowsOut).toBe(16);

    const standardized = await standardize();
    expect(standardized.summary).toMatchObject({ train: 8, validation: 3, test: 5 });
    const frame = await readFrame(deps.store, standardized.outputs.standardized!);
    expect(frame.columns).not.toContain('__source');
    expect(classesBySplit(frame)).toEqual({
      a: { train: 4, validation: 1, test: 2 },
      b: { train: 2, validation: 1, test: 3 },
      c: { train: 2, validation: 1 },
    });
    const splits = column(frame, '__split');
    const testIds = column(frame, ROW_ID_COLUMN).filter((_, row) => splits[row] === 'test');
    expect(testIds).toEqual([14, 15, 16, 18, 19]);
  });

  it('fails the split when a class occurs only in the test file', async () => {
    const { standardize } = await dataSteps('test-unseen-class.csv');
    await expect(standardize()).rejects.toThrow(/only in the test file, never in the training data: d/);
  });

  it('rejects a test file that is the data file', () => {
    const path = join(FIXTURES, 'train.csv');
    const input = { dataPath: path, testDataPath: path, label: 'label', modelName: 'm' };
    expect(() => parsePipelineConfig(input)).toThrow(InvalidConfigError);
  });
});

describe('splitWithOfficialTest', () => {
  it('assigns the marked rows to test and max(1, round(n × validation)) main rows per class to validation', () => {
    const labels = ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'y', 'y', 'x', 'y'];
    const isTest = labels.map((_, row) => row >= 12);
    const splits = splitWithOfficialTest(labels, isTest, { seed: 1, validation: 0.25 });
    const count = (label: string, split: string) => splits.filter((s, row) => labels[row] === label && s === split);
    expect([count('x', 'train').length, count('x', 'validation').length, count('x', 'test').length]).toEqual([7, 3, 1]);
    expect([count('y', 'train').length, count('y', 'validation').length, count('y', 'test').length]).toEqual([1, 1, 1]);
    expect(splitWithOfficialTest(labels, isTest, { seed: 1, validation: 0.25 })).toEqual(splits);
  });
});
