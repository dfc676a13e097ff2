/**
 * The HTTP API end to end, over a real socket: the server as in production, a local Temporal dev
 * server with both workers, the machine's PostgreSQL as registry, the real teacher, on a small
 * stratified SMS subset. Trigger → follow → registered → promote → predict → lineage; a schedule
 * created, triggered (auto-promotion decided) and paused; role refusals; the audit trail.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';

import { createApp } from '../../api/setup';
import { readFrame } from '../../artifacts/parquet';
import { findTemporalBinary } from '../../cli/runtime';
import { sha256 } from '../../core/util/hash';
import type { ApiRole } from '../../registry/schema';
import type { ScheduledTrainingResult } from '../../workflows/scheduled';
import { createDeps, type WiredDeps } from '../../workers/deps';
import { createAcceleratorWorker, createCpuWorker } from '../../workers/create';
import { createTestDatabase } from '../support/postgres';
import { writeSmsSubset } from '../support/sms-subset';

jest.setTimeout(8 * 60_000);

/** A response body as the assertions read it: JSON of the route's documented shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = any;

const ADMIN_KEY = 'e2e-admin-key-0123456789';
/** A small, fast configuration: the defaults but for few student epochs. */
const CONFIG = { label: 'label', text: 'text', modelName: 'sms-api', student: { epochs: 3 } };

describe('the HTTP API, end to end', () => {
  let env: TestWorkflowEnvironment;
  let database: { url: string; drop: () => Promise<void> };
  let deps: WiredDeps;
  let workers: Worker[];
  let running: Promise<unknown>;
  let home: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  const keys: Record<ApiRole, string> = { admin: ADMIN_KEY, operator: '', viewer: '' };

  /** One HTTP request as `role`; resolves with the status and the parsed JSON body (if any). */
  async function call(role: ApiRole, method: string, path: string, body?: unknown) {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { 'x-api-key': keys[role], ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as JsonBody,
      requestId: response.headers.get('x-request-id'),
    };
  }

  /** Polls `GET /runs/:id` until the run is no longer running; returns every distinct step seen running. */
  async function follow(runId: string): Promise<{ view: { status: string; [key: string]: unknown }; seen: string[] }> {
    const seen = new Set<string>();
    for (;;) {
      const { body } = await call('viewer', 'GET', `/runs/${runId}`);
      if (body.status !== 'running') return { view: body, seen: [...seen] };
      seen.add(body.currentStep);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Polls `GET /models/:name/batch-predict/:id` until the workflow is no longer running. */
  async function followBatch(model: string, workflowId: string): Promise<JsonBody> {
    for (;;) {
      const { body } = await call('viewer', 'GET', `/models/${model}/batch-predict/${workflowId}`);
      if (body.status !== 'running') return body;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const binary = findTemporalBinary();
    if (!binary) throw new Error('the temporal CLI is missing: run `npm run setup`');
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: binary } },
    });
    home = await mkdtemp(join(tmpdir(), 'distillery-api-e2e-'));
    await mkdir(join(home, 'data'));
    database = await createTestDatabase('distillery_api_e2e');
    deps = createDeps({ home, databaseUrl: database.url, namespace: 'default' });
    const target = { connection: env.nativeConnection, namespace: 'default' };
    workers = [await createCpuWorker(target, deps), await createAcceleratorWorker(target, deps)];
    running = Promise.all(workers.map((worker) => worker.run()));

    Object.assign(process.env, {
      DISTILLERY_HOME: home,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      DISTILLERY_ADMIN_KEY: ADMIN_KEY,
    });
    app = await createApp({ logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await app.getUrl();
    keys.operator = (await call('admin', 'POST', '/keys', { name: 'ops', role: 'operator' })).body.key;
    keys.viewer = (await call('admin', 'POST', '/keys', { name: 'reader', role: 'viewer' })).body.key;
  });

  afterAll(async () => {
    await app?.close();
    for (const worker of workers ?? []) worker.shutdown();
    await running;
    await deps?.close();
    await env?.teardown();
    await database?.drop();
    if (home) await rm(home, { recursive: true, force: true });
    for (const key of ['DISTILLERY_HOME', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'DISTILLERY_ADMIN_KEY'])
      delete process.env[key];
  });

  let datasetSha256: string;
  let runId: string;
  /** A run cancelled before it registered anything (set by the cancel test). */
  let cancelledRunId: string;

  it('refuses, before anything starts, a run whose task queue no worker polls (409 naming the queue)', async () => {
    await writeSmsSubset(join(home, 'data'), { ham: 90, spam: 60 }, 5);
    const { status, body } = await call('operator', 'POST', '/runs', {
      config: { ...CONFIG, dataPath: 'sms-subset.csv' },
      taskQueue: 'nobody-polls-this',
    });

    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'NoWorker', field: 'taskQueue', taskQueue: 'nobody-polls-this' });
    expect((await call('viewer', 'GET', '/runs')).body).toEqual([]);
  });

  it('uploads a dataset as multipart, keyed by the SHA-256 of its bytes', async () => {
    const bytes = await readFile(join(home, 'data', 'sms-subset.csv'));
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'text/csv' }), 'sms-subset.csv');
    const response = await fetch(`${baseUrl}/datasets`, {
      method: 'POST',
      headers: { 'x-api-key': keys.operator },
      body: form,
    });
    const body = (await response.json()) as { sha256: string };

    expect(response.status).toBe(201);
    expect(body).toMatchObject({ sha256: sha256(bytes), rows: 150, columns: ['label', 'text'], uploadedBy: 'key:ops' });
    datasetSha256 = body.sha256;
  });

  it('triggers a run on the upload, follows it step by step, and finds its version registered', async () => {
    const started = await call('operator', 'POST', '/runs', { datasetSha256, config: CONFIG });
    runId = started.body.runId;
    const { view, seen } = await follow(runId);

    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ modelName: 'sms-api', status: 'running' });
    expect(seen.length).toBeGreaterThan(1);
    expect(view).toMatchObject({
      status: 'succeeded',
      currentStep: 'done',
      version: 1,
      triggeredBy: 'key:ops',
      failure: null,
    });
    expect((view.steps as { status: string }[]).map((s) => s.status)).toEqual(Array(8).fill('completed'));
    const listed = await call('viewer', 'GET', '/runs?model=sms-api&status=succeeded');
    expect(listed.body.map((r: { workflowId: string }) => r.workflowId)).toEqual([runId]);
  });

  it('promotes the version to production (admin only) and predicts raw records with it', async () => {
    const refused = await call('operator', 'PUT', '/models/sms-api/aliases/production', { version: 1 });
    const promoted = await call('admin', 'PUT', '/models/sms-api/aliases/production', { version: 1 });
    const records = [
      { text: 'WINNER!! Claim your free prize now, call 09061701461' },
      { text: 'see you at lunch tomorrow?' },
    ];
    const predicted = await call('operator', 'POST', '/models/sms-api/predict', { records });

    expect(refused.status).toBe(403);
    expect(promoted.body).toMatchObject({ alias: 'production', version: 1, changed: true });
    expect(predicted.status).toBe(200);
    expect(predicted.body).toMatchObject({ modelName: 'sms-api', version: 1, warnings: [] });
    expect(predicted.body.predictions.map((p: { label: string }) => p.label)).toEqual(['spam', 'ham']);
  });

  it('scores a CSV of the data folder with the production version as a workflow, and answers its result', async () => {
    const inbox = [
      ['m1', 'WINNER!! Claim your free prize now, call 09061701461'],
      ['m2', 'see you at lunch tomorrow?'],
      ['m3', 'URGENT! Your mobile number has won a £2000 bonus. Text CLAIM to 87066'],
      ['m4', 'sorry, I will call you later'],
    ];
    await writeFile(
      join(home, 'data', 'inbox.csv'),
      ['id,text', ...inbox.map(([id, t]) => `${id},"${t}"`), ''].join('\n'),
    );
    const started = await call('operator', 'POST', '/models/sms-api/batch-predict', {
      data: 'inbox.csv',
      alias: 'production',
      idColumn: 'id',
    });
    const view = await followBatch('sms-api', started.body.workflowId);
    const predictions = await readFrame(deps.store, view.result.predictions);
    const online = await call('operator', 'POST', '/models/sms-api/predict', {
      records: inbox.map(([, text]) => ({ text })),
    });

    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      workflowId: expect.stringMatching(/^batch-predict-sms-api-/),
      modelName: 'sms-api',
      version: 1,
      status: 'running',
    });
    expect(view).toMatchObject({ workflowId: started.body.workflowId, status: 'succeeded', version: 1, failure: null });
    expect(view.result).toMatchObject({ modelName: 'sms-api', version: 1, rows: 4, classes: ['ham', 'spam'] });
    expect(view.result.predicted.ham + view.result.predicted.spam).toBe(4);
    expect(predictions.columns).toEqual(['row_id', 'label', 'p_ham', 'p_spam']);
    expect(predictions.values.row_id).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(predictions.values.label).toEqual(online.body.predictions.map((p: { label: string }) => p.label));
    expect(view.result.predicted).toEqual({
      ham: predictions.values.label!.filter((l) => l === 'ham').length,
      spam: predictions.values.label!.filter((l) => l === 'spam').length,
    });
  });

  it('scores an uploaded dataset by version, reports a failed scoring by its type, and 404s a stranger', async () => {
    const byDataset = await call('operator', 'POST', '/models/sms-api/batch-predict', {
      dataset: datasetSha256,
      version: 1,
    });
    const badColumn = await call('operator', 'POST', '/models/sms-api/batch-predict', {
      data: 'inbox.csv',
      idColumn: 'nope',
    });
    const scored = await followBatch('sms-api', byDataset.body.workflowId);
    const failed = await followBatch('sms-api', badColumn.body.workflowId);
    const otherModel = await call('viewer', 'GET', `/models/sms-cancel/batch-predict/${byDataset.body.workflowId}`);
    const notBatch = await call('viewer', 'GET', `/models/sms-api/batch-predict/${runId}`);

    expect(scored).toMatchObject({ status: 'succeeded', result: { rows: 150 } });
    expect(scored.result.predicted.ham + scored.result.predicted.spam).toBe(150);
    expect(failed).toMatchObject({
      status: 'failed',
      result: null,
      failure: {
        type: 'InvalidConfig',
        message: "invalid configuration: idColumn: the file has no column 'nope'; columns: id, text",
      },
    });
    expect(otherModel.status).toBe(404);
    expect(notBatch.status).toBe(404);
  });

  it('answers the lineage as a graph from the uploaded dataset to the version, with who triggered it', async () => {
    const { body } = await call('viewer', 'GET', '/models/sms-api/versions/1/lineage');
    const version = body.graph.nodes.find((n: { type: string }) => n.type === 'version');

    expect(body.graph.nodes[0]).toMatchObject({ id: `dataset:${datasetSha256}`, type: 'dataset' });
    expect(body.graph.nodes.filter((n: { type: string }) => n.type === 'step')).toHaveLength(7);
    expect(version.attributes).toMatchObject({ runId: expect.stringContaining(runId), triggeredBy: 'key:ops' });
    expect(body.graph.nodes.find((n: { type: string }) => n.type === 'teacher').label).toBe(
      'universal-sentence-encoder-lite',
    );
  });

  it(
    'creates a schedule, triggers it (the new version is promoted only if it beats production), ' + 'and pauses it',
    async () => {
      const created = await call('operator', 'POST', '/schedules', {
        scheduleId: 'nightly-sms',
        cron: '0 2 * * *',
        overlap: 'skip',
        catchupWindowSeconds: 600,
        run: { datasetSha256, config: CONFIG },
        autoPromote: { alias: 'production', metric: 'studentMacroF1' },
      });
      const triggered = await call('operator', 'POST', '/schedules/nightly-sms/trigger');
      let scheduledRun: string | undefined;
      while (!scheduledRun) {
        scheduledRun = (await call('viewer', 'GET', '/schedules/nightly-sms')).body.recentRuns[0]?.runId;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const paused = await call('operator', 'POST', '/schedules/nightly-sms/pause');
      const result = (await env.client.workflow.getHandle(scheduledRun).result()) as ScheduledTrainingResult;
      const aliases = (await call('viewer', 'GET', '/models/sms-api/aliases')).body;

      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        cron: ['0 2 * * *'],
        overlap: 'skip',
        catchupWindowSeconds: 600,
        paused: false,
      });
      expect(triggered.status).toBe(202);
      expect(paused.body.paused).toBe(true);
      expect(result.run.version).toBe(2);
      const { promotion } = result;
      expect(promotion.incumbent?.version).toBe(1);
      expect(promotion.promoted).toBe(
        (promotion.candidate.value ?? 0) > (promotion.incumbent?.value ?? 0) && result.run.gatePassed,
      );
      expect(aliases.aliases.production).toBe(promotion.promoted ? 2 : 1);
      expect(aliases.history[0].actor).toBe(promotion.promoted ? 'schedule:nightly-sms' : 'key:bootstrap-admin');
    },
  );

  it('cancels a running run and retries it', async () => {
    const started = await call('operator', 'POST', '/runs', {
      datasetSha256,
      config: { ...CONFIG, modelName: 'sms-cancel' },
    });
    cancelledRunId = started.body.runId;
    const cancelled = await call('operator', 'POST', `/runs/${started.body.runId}/cancel`);
    const { view } = await follow(started.body.runId);
    const retried = await call('operator', 'POST', `/runs/${started.body.runId}/retry`);
    const again = await call('operator', 'POST', `/runs/${retried.body.runId}/cancel`);

    expect(cancelled).toMatchObject({ status: 202, body: { status: 'cancelling' } });
    expect(view.status).toBe('cancelled');
    expect(retried).toMatchObject({ status: 201, body: { retryOf: started.body.runId, modelName: 'sms-cancel' } });
    expect(again.status).toBe(202);
    expect((await call('operator', 'POST', `/runs/${runId}/retry`)).status).toBe(409);
  });

  it('deletes a finished run with no version as admin, and refuses (409) a run a version came from', async () => {
    const versioned = await call('admin', 'DELETE', `/runs/${runId}`);
    const deleted = await call('admin', 'DELETE', `/runs/${cancelledRunId}`);
    const again = await call('admin', 'DELETE', `/runs/${cancelledRunId}`);
    const workflowsOf = async (model: string) =>
      (await call('viewer', 'GET', `/runs?model=${model}`)).body.map((r: { workflowId: string }) => r.workflowId);

    expect(versioned).toMatchObject({ status: 409, body: { error: 'RegistryError', reason: 'has versions' } });
    expect(await workflowsOf('sms-api')).toContain(runId);
    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(await workflowsOf('sms-cancel')).not.toContain(cancelledRunId);
  });

  it.each([
    ['viewer', 'POST', '/runs'],
    ['viewer', 'POST', '/models/sms-api/predict'],
    ['viewer', 'POST', '/models/sms-api/batch-predict'],
    ['viewer', 'POST', '/schedules/nightly-sms/trigger'],
    ['operator', 'PUT', '/models/sms-api/aliases/staging'],
    ['operator', 'DELETE', '/schedules/nightly-sms'],
    ['operator', 'DELETE', '/runs/any-run'],
    ['operator', 'POST', '/keys'],
    ['operator', 'GET', '/audit'],
  ] as const)('refuses a %s key %s %s with 403', async (role, method, path) => {
    const body = method === 'POST' || method === 'PUT' ? {} : undefined;
    expect((await call(role, method, path, body)).status).toBe(403);
  });

  it(
    'keeps an audit row for every mutation, with actor and request id, ' + 'and deletes the schedule as admin',
    async () => {
      const deleted = await call('admin', 'DELETE', '/schedules/nightly-sms');
      const { body } = await call('admin', 'GET', '/audit?limit=1000');
      const actions = body.map(
        (row: { actor: string; action: string; statusCode: number }) => `${row.actor} ${row.action} ${row.statusCode}`,
      );

      expect(deleted.status).toBe(204);
      expect(actions).toEqual(
        expect.arrayContaining([
          'key:ops POST /runs 409',
          'key:ops POST /datasets 201',
          'key:ops POST /runs 201',
          'key:ops PUT /models/:name/aliases/:alias 403',
          'key:bootstrap-admin PUT /models/:name/aliases/:alias 200',
          'key:ops POST /models/:name/batch-predict 202',
          'key:reader POST /models/:name/batch-predict 403',
          'key:ops POST /schedules 201',
          'key:ops POST /schedules/:scheduleId/trigger 202',
          'key:ops POST /schedules/:scheduleId/pause 200',
          'key:ops POST /runs/:runId/cancel 202',
          'key:ops POST /runs/:runId/retry 201',
          'key:reader POST /runs 403',
          'key:bootstrap-admin DELETE /schedules/:scheduleId 204',
          'key:bootstrap-admin DELETE /runs/:runId 409',
          'key:bootstrap-admin DELETE /runs/:runId 204',
        ]),
      );
      expect(body.every((row: { requestId: string }) => row.requestId.length > 0)).toBe(true);
      expect(body.some((row: { action: string }) => row.action.endsWith('/predict'))).toBe(false);
    },
  );
});
