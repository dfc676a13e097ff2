import type { Registry } from '../../../registry/db';
import { getLineage, registerModelVersion } from '../../../registry/repository';
import { createTestDatabase, DRIVERS, registerInput, runArtifacts, sha } from './helpers';
import type { TestDatabase } from './helpers';

describe.each(DRIVERS)('getLineage (%s)', (driver) => {
  let database: TestDatabase;
  let registry: Registry;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    registry = await database.open();
    await registerModelVersion(registry, registerInput('traced', 'a1'));
    await registerModelVersion(registry, registerInput('traced', 'a2', 'dataset-v2'));
  });

  afterAll(async () => {
    await registry.close();
    await database.destroy();
  });

  it('returns the latest version when none is given, with its run ids and dataset hash', async () => {
    const lineage = await getLineage(registry, 'traced');

    expect(lineage.version).toBe(2);
    expect(lineage.run).toMatchObject({
      id: 'wf-a2/run-a2',
      workflowId: 'wf-a2',
      temporalRunId: 'run-a2',
      status: 'succeeded',
      triggeredBy: 'jest',
      startedAt: '2025-01-01T12:00:00.000Z',
    });
    expect(lineage.dataset).toEqual({ uri: runArtifacts('a2', 'dataset-v2').dataset.uri, sha256: sha('dataset-v2') });
  });

  it('records the teacher identity, config hash, code version, features and student of a version', async () => {
    const lineage = await getLineage(registry, 'traced', 1);

    expect(lineage.teacher).toEqual({ name: 'use-lite', version: '1', sha256: sha('teacher') });
    expect(lineage.configHash).toBe(sha('config/a1'));
    expect(lineage.codeVersion).toBe('1.0.0+abc123');
    expect(lineage.features).toEqual({ tabular: ['age'], text: 'review', vocabulary: 3000 });
    expect(lineage.student).toEqual({ uri: runArtifacts('a1').student.uri, sha256: sha('a1/student') });
    expect(lineage.run.config).toEqual({ modelName: 'traced', label: 'label', seed: 42 });
    expect(lineage.gate).toEqual({ passed: true, ratio: 0.97 });
  });

  it('lists the steps in order with the artifacts each read and wrote', async () => {
    const lineage = await getLineage(registry, 'traced', 1);
    const a = runArtifacts('a1');

    expect(lineage.steps.map((s) => s.step)).toEqual(['clean', 'loadTeacher', 'distill', 'evaluate']);
    const distill = lineage.steps[2]!;
    expect(distill.inputs).toEqual([
      {
        name: 'teacherHead',
        kind: 'teacherHead',
        uri: a.teacherHead.uri,
        sha256: a.teacherHead.sha256,
        bytes: a.teacherHead.bytes,
      },
      { name: 'train', kind: 'cleaned', uri: a.cleaned.uri, sha256: a.cleaned.sha256, bytes: a.cleaned.bytes },
    ]);
    expect(distill.outputs).toEqual([
      { name: 'student', kind: 'student', uri: a.student.uri, sha256: a.student.sha256, bytes: a.student.bytes },
    ]);
    expect(distill).toMatchObject({
      params: { minute: 2 },
      summary: { rows: 98 },
      startedAt: '2025-01-01T12:02:00.000Z',
      finishedAt: '2025-01-01T12:03:00.000Z',
    });
  });

  it('links the first step back to the dataset artifact', async () => {
    const lineage = await getLineage(registry, 'traced', 1);

    expect(lineage.steps[0]?.inputs).toEqual([expect.objectContaining({ name: 'dataset', sha256: sha('dataset-v1') })]);
  });

  it('fails with a RegistryError of reason "not found" for an unknown model or version', async () => {
    await expect(getLineage(registry, 'missing')).rejects.toMatchObject({
      type: 'RegistryError',
      details: { reason: 'not found', modelName: 'missing' },
    });
    await expect(getLineage(registry, 'traced', 7)).rejects.toMatchObject({
      type: 'RegistryError',
      details: { reason: 'not found', version: 7 },
    });
  });
});
