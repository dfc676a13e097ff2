/**
 * A dataset with no text column (L14-small.csv: 12 rows, three numeric features): the teacher is
 * a tabular MLP (no encoder is loaded), distillation at a very low temperature stays finite, and
 * no training step leaves tensors behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createAcceleratorActivities, createCpuActivities } from '../../../activities';
import { parsePipelineConfig } from '../../../common/config';
import type { TrainingHeartbeat } from '../../../common/contracts';
import { initBackend } from '../../../core/ml/backend';
import { createDeps, type WiredDeps } from '../../../workers/deps';

const FIXTURES = resolve(__dirname, '../../fixtures/activities');

function runActivity<I, R>(activity: (input: I) => Promise<R>, input: I, beats: TrainingHeartbeat[] = []): Promise<R> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
  env.on('heartbeat', (details: TrainingHeartbeat) => beats.push(details));
  return env.run(activity, input) as Promise<R>;
}

describe('a tabular dataset with no text column (L14)', () => {
  let home: string;
  let deps: WiredDeps;
  let teacherLoads = 0;

  beforeAll(async () => {
    await initBackend();
    home = mkdtempSync(join(tmpdir(), 'distillery-tabular-'));
    const wired = createDeps({ home, namespace: 'default' });
    deps = { ...wired, teacher: () => (teacherLoads++, wired.teacher()) };
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('trains a tabular teacher and a student at temperature 0.05 with finite losses, leaking no tensors', async () => {
    const config = parsePipelineConfig({
      dataPath: join(FIXTURES, 'L14-small.csv'),
      label: 'label',
      modelName: 'l14',
      distillation: { temperature: 0.05, alpha: 0.9 },
      student: { epochs: 5, batchSize: 4 },
    });
    const cpu = createCpuActivities(deps);
    const accelerator = createAcceleratorActivities(deps);
    const cleaned = await runActivity(cpu.clean, { config });
    const deduped = await runActivity(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const standardized = await runActivity(cpu.standardize, { config, input: deduped.outputs.deduped! });
    const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
    const selected = await runActivity(cpu.selectFeatures, { config, input: prepared.standardized });
    const teacherInputs = { ...prepared, featureSelection: selected.outputs.featureSelection! };
    const tensorsBefore = tf.memory().numTensors;
    const teacher = await runActivity(accelerator.loadTeacher, { config, ...teacherInputs });
    const beats: TrainingHeartbeat[] = [];
    const distilled = await runActivity(
      accelerator.distill,
      { config, ...teacherInputs, teacherLogits: teacher.outputs.teacherLogits! },
      beats,
    );

    expect(teacherLoads).toBe(0);
    expect(teacher.summary.teacher.name).toBe('tabular-mlp');
    expect(teacher.summary).toMatchObject({ tabularColumns: 3 });
    expect(distilled.summary).toMatchObject({ distilled: { epochs: 5 }, hardLabel: { epochs: 5 } });
    const losses = beats.filter((b) => b.loss !== undefined).map((b) => b.loss!);
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
