/**
 * Bad input stops a run early with a typed, non-retryable failure: a class too small to split
 * fails at `standardize` (after clean and dedupe succeed), and a temperature of 0 is rejected
 * when the configuration is parsed, before any activity runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createCpuActivities } from '../../../activities';
import { parsePipelineConfig } from '../../../common/config';
import { InvalidConfigError } from '../../../common/errors';
import { createDeps, type WiredDeps } from '../../../workers/deps';

const FIXTURES = resolve(__dirname, '../../fixtures/activities');

/** Runs an activity in a mock context; the expected failure is not logged (the SDK warns on every failure). */
function runActivity<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
  return env.run(activity, input) as Promise<R>;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('a class with a single row (L12)', () => {
  let home: string;
  let deps: WiredDeps;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-activities-'));
    deps = createDeps({ home, namespace: 'default' });
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('passes clean and dedupe, then fails standardize with a non-retryable SplitError naming class c', async () => {
    const cpu = createCpuActivities(deps);
    const config = parsePipelineConfig({
      dataPath: join(FIXTURES, 'L12-singleton-class.csv'),
      label: 'label',
      modelName: 'singleton',
    });
    const cleaned = await runActivity(cpu.clean, { config });
    const deduped = await runActivity(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });

    const failure = await runActivity(cpu.standardize, { config, input: deduped.outputs.deduped! }).catch(
      (error: unknown) => error,
    );

    expect(cleaned.summary).toMatchObject({ rowsIn: 10, rowsOut: 10 });
    expect(deduped.summary).toMatchObject({ rowsIn: 10, rowsOut: 10 });
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'SplitError',
      nonRetryable: true,
      details: [{ class: 'c', count: 1, minimum: 2, classes: [{ class: 'c', count: 1 }] }],
    });
    expect((failure as ApplicationFailure).message).toContain('class "c" has 1 row(s)');
  });
});

describe('a distillation temperature of 0 (L10b family: configurations that cannot work)', () => {
  const base = { dataPath: '/data/spam.csv', label: 'label', text: 'text', modelName: 'spam-filter' };

  it('is rejected by parsePipelineConfig with an InvalidConfigError naming distillation.temperature', () => {
    const error = thrownBy(() => parsePipelineConfig({ ...base, distillation: { temperature: 0 } }));

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error).toMatchObject({
      type: 'InvalidConfig',
      message: 'invalid configuration: distillation.temperature: temperature must be greater than 0',
      details: { field: 'distillation.temperature' },
    });
  });

  it('accepts a small positive temperature such as 0.05', () => {
    const config = parsePipelineConfig({ ...base, distillation: { temperature: 0.05, alpha: 0.9 } });

    expect(config.distillation).toMatchObject({ temperature: 0.05, alpha: 0.9 });
  });
});
