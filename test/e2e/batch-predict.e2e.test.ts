/**
 * Batch prediction for real: a local Temporal dev server, both workers and PostgreSQL as in the
 * pipeline test. A pipeline run registers a model, the production alias is set on it, and the
 * batch-prediction workflow scores a CSV with `name@production`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';

import type { BatchPredictResult } from '../../workflows/batch-predict';
import { readFrame } from '../../artifacts/parquet';
import { findTemporalBinary } from '../../cli/runtime';
import { parsePipelineConfig } from '../../common/config';
import { BATCH_PREDICT_WORKFLOW, CPU_TASK_QUEUE, PIPELINE_WORKFLOW } from '../../common/constants';
import type { PipelineResult } from '../../common/contracts';
import { createBundlePredictor, decide, type StudentBundle } from '../../core/bundle';
import { getLineage, setAlias } from '../../registry/repository';
import { createDeps, type WiredDeps } from '../../workers/deps';
import { createAcceleratorWorker, createCpuWorker } from '../../workers/create';
import { createTestDatabase } from '../support/postgres';
import { writeSmsSubset } from '../support/sms-subset';

jest.setTimeout(6 * 60_000);

const MESSAGES = [
  ['a1', 'WINNER!! You have won a free prize. Call 09061701461 now to claim'],
  ['a2', 'Ok lar, see you at home tonight'],
  ['a3', 'URGENT! Your mobile number has been awarded a £2000 bonus. Text CLAIM to 87066'],
  ['a4', 'Sorry, I will call you later'],
];

describe('the batch-prediction workflow', () => {
  let env: TestWorkflowEnvironment;
  let deps: WiredDeps;
  let workers: Worker[] = [];
  let running: Promise<unknown> | undefined;
  let home: string;
  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const binary = findTemporalBinary();
    if (!binary) throw new Error('the temporal CLI is missing: run `npm run setup`');
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: binary } },
    });
    home = await mkdtemp(join(tmpdir(), 'distillery-batch-'));
    database = await createTestDatabase('distillery_batch');
    deps = createDeps({ home, databaseUrl: database.url, namespace: 'default' });
    const target = { connection: env.nativeConnection, namespace: 'default' };
    workers = [await createCpuWorker(target, deps), await createAcceleratorWorker(target, deps)];
    // Both workers poll for the whole file; each test only starts workflows and awaits them.
    running = Promise.all(workers.map((w) => w.run()));
    const dataPath = await writeSmsSubset(home, { ham: 90, spam: 60 });
    const config = parsePipelineConfig({ dataPath, label: 'label', text: 'text', modelName: 'sms-batch' });
    const handle = await env.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `batch-train-${Date.now()}`,
      args: [{ config, codeVersion: 'e2e' }],
    });
    const trained = (await handle.result()) as PipelineResult;
    await setAlias(await deps.registry(), 'sms-batch', 'production', trained.version, 'e2e test');
  });

  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await deps?.close();
    await env?.teardown();
    await database?.drop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('scores a CSV with name@production and stores row id, label and probabilities as Parquet', async () => {
    const csv = join(home, 'inbox.csv');
    await writeFile(csv, ['id,text', ...MESSAGES.map(([id, text]) => `${id},"${text}"`)].join('\n') + '\n');

    const result = (await env.client.workflow.execute(BATCH_PREDICT_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `batch-${Date.now()}`,
      args: [{ model: 'sms-batch@production', dataPath: csv, idColumn: 'id' }],
    })) as BatchPredictResult;

    expect(result).toMatchObject({ modelName: 'sms-batch', version: 1, rows: 4, classes: ['ham', 'spam'] });
    expect(result.predictions.kind).toBe('predictions');
    const predictions = await readFrame(deps.store, result.predictions);
    expect(predictions.columns).toEqual(['row_id', 'label', 'p_ham', 'p_spam']);
    expect(predictions.values.row_id).toEqual(['a1', 'a2', 'a3', 'a4']);
    const lineage = await getLineage(await deps.registry(), 'sms-batch', 1);
    const bundle = await deps.store.getJson<StudentBundle>({ ...lineage.student, kind: 'student', bytes: 0 });
    const expected = createBundlePredictor(bundle)(MESSAGES.map(([, text]) => ({ text: text! })));
    expected.forEach((p, i) => {
      expect(predictions.values.p_ham![i]).toBeCloseTo(p[0]!, 12);
      expect(predictions.values.p_spam![i]).toBeCloseTo(p[1]!, 12);
      expect(predictions.values.label![i]).toBe(bundle.transform.labels[decide(bundle.decision, p)]);
    });
    expect(result.predicted).toEqual({
      ham: predictions.values.label!.filter((l) => l === 'ham').length,
      spam: predictions.values.label!.filter((l) => l === 'spam').length,
    });
  });

  it('fails with a RegistryError when the alias names no version', async () => {
    const csv = join(home, 'inbox.csv');
    const execution = env.client.workflow.execute(BATCH_PREDICT_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `batch-missing-${Date.now()}`,
      args: [{ model: 'sms-batch@staging', dataPath: csv }],
    });

    const error = await execution.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as { type?: string; message?: string } | undefined;
    expect(cause?.message).toBe("model 'sms-batch' has no alias 'staging'");
  });
});
