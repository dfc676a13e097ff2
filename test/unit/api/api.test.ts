/**
 * The HTTP API booted as in production (Nest on fastify) against an embedded PGlite registry in a
 * temporary DISTILLERY_HOME; requests go through fastify's `inject`, without a socket.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

import { AppModule } from '../../../api/app.module';
import { loadListenSettings } from '../../../api/listen-settings';
import { RegistryService } from '../../../api/registry/registry.service';
import type { RegistryDriver } from '../../../registry/db';
import { registerModelVersion } from '../../../registry/repository';
import { createTestDatabase } from '../../support/postgres';
import { DRIVERS, registerInput } from '../registry/helpers';

const ENV_KEYS = ['DISTILLERY_HOME', 'DATABASE_URL'] as const;

/** Boots the app with the given registry environment; settings are read when the module compiles. */
async function bootApp(env: Partial<Record<(typeof ENV_KEYS)[number], string>>): Promise<NestFastifyApplication> {
  for (const key of ENV_KEYS) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('Distillery API', () => {
  const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

  afterAll(() => {
    for (const key of ENV_KEYS) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  });

  describe.each(DRIVERS)('with a %s registry', (driver: RegistryDriver) => {
    let home: string;
    let app: NestFastifyApplication;
    let dropDatabase: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-api-'));
      const database = driver === 'postgres' ? await createTestDatabase('distillery_api') : undefined;
      dropDatabase = database?.drop;
      app = await bootApp({ DISTILLERY_HOME: home, DATABASE_URL: database?.url });
    });

    afterAll(async () => {
      await app?.close();
      await dropDatabase?.();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('should answer /healthz with 200 and status ok', async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('should answer /readyz with 200 once the registry answers select 1', async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('should keep an embedded registry under DISTILLERY_HOME, and nothing there for PostgreSQL', () => {
      expect(fs.existsSync(path.join(home, 'registry'))).toBe(driver === 'pglite');
    });

    it('should list no models on an empty registry', async () => {
      const response = await app.inject({ method: 'GET', url: '/models' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual([]);
    });

    it('should answer 404 naming the model when its lineage is asked for and it does not exist', async () => {
      const response = await app.inject({ method: 'GET', url: '/models/ghost/versions/1/lineage' });

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

    it('should answer 400 when the version is not an integer', async () => {
      const response = await app.inject({ method: 'GET', url: '/models/ghost/versions/latest/lineage' });

      expect(response.statusCode).toBe(400);
    });

    it('should list and trace a version once one is registered', async () => {
      const registry = await app.get(RegistryService).get();
      await registerModelVersion(registry, registerInput('spam-filter', 'api1'));

      const list = await app.inject({ method: 'GET', url: '/models' });
      const filtered = await app.inject({ method: 'GET', url: '/models?name=other' });
      const lineage = await app.inject({ method: 'GET', url: '/models/spam-filter/versions/1/lineage' });

      expect(list.json()).toEqual([
        expect.objectContaining({ modelName: 'spam-filter', version: 1, gatePassed: true }),
      ]);
      expect(filtered.json()).toEqual([]);
      expect(lineage.statusCode).toBe(200);
      expect(lineage.json()).toMatchObject({ modelName: 'spam-filter', version: 1, run: { id: 'wf-api1/run-api1' } });
      expect(lineage.json().steps).toHaveLength(4);
    });
  });

  describe('with an unreachable database', () => {
    let home: string;
    let app: NestFastifyApplication;

    beforeAll(async () => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-api-'));
      // Port 1 refuses connections at once: the registry cannot open.
      app = await bootApp({ DISTILLERY_HOME: home, DATABASE_URL: 'postgres://distillery@127.0.0.1:1/distillery' });
    });

    afterAll(async () => {
      await app?.close();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('should still answer /healthz with 200', async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });

      expect(response.statusCode).toBe(200);
    });

    it('should answer /readyz with 503 naming the registry as the failed dependency', async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });

      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', failed: 'registry', message: expect.any(String) });
    });
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
