/**
 * The HTTP API booted as in production (Nest on fastify, `createApp`) against an embedded PGlite or
 * a PostgreSQL registry; requests go through fastify's `inject`, without a socket.
 */
import fs from 'node:fs';
import path from 'node:path';

import { loadListenSettings } from '../../../api/listen-settings';
import type { RegistryDriver } from '../../../registry/db';
import { registerModelVersion } from '../../../registry/repository';
import { createTestDatabase } from '../../support/postgres';
import { DRIVERS, registerInput } from '../registry/helpers';
import { bootApi, type TestApi } from './support';

describe('Distillery API', () => {
  describe.each(DRIVERS)('with a %s registry', (driver: RegistryDriver) => {
    let api: TestApi;
    let dropDatabase: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const database = driver === 'postgres' ? await createTestDatabase('distillery_api') : undefined;
      dropDatabase = database?.drop;
      api = await bootApi({ DATABASE_URL: database?.url });
    });

    afterAll(async () => {
      await api?.close();
      await dropDatabase?.();
    });

    it('should answer /healthz and /readyz with 200 and status ok, without a key', async () => {
      const health = await api.request({ method: 'GET', url: '/healthz', as: null });
      const ready = await api.request({ method: 'GET', url: '/readyz', as: null });

      expect(health.json()).toEqual({ status: 'ok' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok' });
    });

    it('should keep an embedded registry under DISTILLERY_HOME, and nothing there for PostgreSQL', () => {
      expect(fs.existsSync(path.join(api.home, 'registry'))).toBe(driver === 'pglite');
    });

    it('should list no models on an empty registry', async () => {
      const response = await api.request({ method: 'GET', url: '/models', as: 'viewer' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual([]);
    });

    it('should answer 404 naming the model when its lineage is asked for and it does not exist', async () => {
      const response = await api.request({ method: 'GET', url: '/models/ghost/versions/1/lineage', as: 'viewer' });

      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({
        statusCode: 404,
        error: 'RegistryError',
        reason: 'not found',
        message: "model 'ghost' version 1 not found in the registry",
        details: { modelName: 'ghost', version: 1 },
      });
    });

    it('should answer 400 naming the parameter when the version is not a positive integer', async () => {
      const response = await api.request({ method: 'GET', url: '/models/ghost/versions/latest/lineage', as: 'viewer' });

      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('ValidationError');
    });

    it('should list and trace a version once one is registered', async () => {
      await registerModelVersion(await api.registry(), registerInput('spam-filter', 'api1'));

      const list = await api.request({ method: 'GET', url: '/models/spam-filter/versions', as: 'viewer' });
      const other = await api.request({ method: 'GET', url: '/models/other/versions', as: 'viewer' });
      const lineage = await api.request({ method: 'GET', url: '/models/spam-filter/versions/1/lineage', as: 'viewer' });

      expect(list.json()).toEqual([
        expect.objectContaining({ modelName: 'spam-filter', version: 1, gatePassed: true }),
      ]);
      expect(other.json()).toEqual([]);
      expect(lineage.statusCode).toBe(200);
      expect(lineage.json()).toMatchObject({ modelName: 'spam-filter', version: 1, run: { id: 'wf-api1/run-api1' } });
      expect(lineage.json().steps).toHaveLength(4);
    });

    it('should serve the OpenAPI document with every route, its security scheme and the request schemas', async () => {
      const document = (await api.request({ method: 'GET', url: '/docs-json', as: null })).json();
      const page = await api.request({ method: 'GET', url: '/docs', as: null });
      const asset = await api.request({ method: 'GET', url: '/docs/assets/swagger-ui-bundle.js', as: null });

      expect(Object.keys(document.paths).sort()).toEqual([
        '/audit',
        '/datasets',
        '/datasets/{sha256}',
        '/keys',
        '/keys/{keyId}',
        '/models',
        '/models/{name}/aliases',
        '/models/{name}/aliases/{alias}',
        '/models/{name}/batch-predict',
        '/models/{name}/batch-predict/{workflowId}',
        '/models/{name}/predict',
        '/models/{name}/versions',
        '/models/{name}/versions/{version}',
        '/models/{name}/versions/{version}/archive',
        '/models/{name}/versions/{version}/lineage',
        '/runs',
        '/runs/{runId}',
        '/runs/{runId}/cancel',
        '/runs/{runId}/retry',
        '/schedules',
        '/schedules/{scheduleId}',
        '/schedules/{scheduleId}/pause',
        '/schedules/{scheduleId}/resume',
        '/schedules/{scheduleId}/trigger',
      ]);
      expect(document.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
      const runBody = document.paths['/runs'].post.requestBody.content['application/json'].schema;
      expect(runBody.properties.taskQueue.default).toBe('distillery-cpu');
      const undocumented = Object.entries(document.paths).flatMap(([route, operations]) =>
        Object.entries(operations as Record<string, { responses: Record<string, { content?: unknown }> }>)
          .filter(
            ([, op]) =>
              !op.responses['204'] && !Object.keys(op.responses).some((s) => /^2/.test(s) && op.responses[s]!.content),
          )
          .map(([method]) => `${method.toUpperCase()} ${route}`),
      );
      expect(undocumented).toEqual([]);
      expect(document.paths['/runs/{runId}'].get.responses.default.content['application/json'].schema.required).toEqual(
        ['statusCode', 'error', 'message'],
      );
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(asset.statusCode).toBe(200);
    });

    it('should expose Prometheus metrics, runs by status included, without a key', async () => {
      const response = await api.request({ method: 'GET', url: '/metrics', as: null });

      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('distillery_runs{status="succeeded"} 1');
      expect(response.body).toContain('# TYPE distillery_predict_latency_seconds histogram');
      expect(response.body).toContain('distillery_step_duration_seconds{step="clean",stat="mean"} 60');
    });
  });

  describe('with an unreachable database', () => {
    let api: TestApi;

    beforeAll(async () => {
      // Port 1 refuses connections at once: the registry cannot open.
      api = await bootApi({ DATABASE_URL: 'postgres://distillery@127.0.0.1:1/distillery' }, false);
    });

    afterAll(async () => {
      await api?.close();
    });

    it('should still answer /healthz with 200', async () => {
      const response = await api.request({ method: 'GET', url: '/healthz', as: null });

      expect(response.statusCode).toBe(200);
    });

    it('should answer /readyz with 503 naming the registry as the failed dependency', async () => {
      const response = await api.request({ method: 'GET', url: '/readyz', as: null });

      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', failed: 'registry', message: expect.any(String) });
    });
  });
});

describe('request rate limit', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await bootApi({ DISTILLERY_RATE_LIMIT_PER_MINUTE: '3' }, false);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should answer 429 past the per-key limit, count another key apart, and never limit the probes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await api.request({ method: 'GET', url: '/models' })).statusCode);
    const other = await api.request({
      method: 'GET',
      url: '/models',
      as: null,
      headers: { 'x-api-key': 'dk_unknown' },
    });
    const probes = await Promise.all([1, 2, 3, 4].map(() => api.request({ method: 'GET', url: '/healthz', as: null })));

    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(other.statusCode).toBe(401);
    expect(probes.map((p) => p.statusCode)).toEqual([200, 200, 200, 200]);
  });
});

describe('loadListenSettings', () => {
  it('should default to port 3000 on every interface', () => {
    expect(loadListenSettings({})).toEqual({ port: 3000, host: '0.0.0.0' });
  });

  it('should read PORT and HOST', () => {
    expect(loadListenSettings({ PORT: '8080', HOST: '127.0.0.1' })).toEqual({ port: 8080, host: '127.0.0.1' });
  });

  it('should refuse a PORT that is not a port number, naming the variable', () => {
    expect(() => loadListenSettings({ PORT: 'eighty' })).toThrow(/invalid configuration: PORT/);
    expect(() => loadListenSettings({ PORT: '70000' })).toThrow(/invalid configuration: PORT/);
  });
});
