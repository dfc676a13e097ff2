/**
 * API keys, roles and the audit log, through HTTP against the app booted as in production, on
 * both registry drivers (the append-only trigger is PostgreSQL code that PGlite runs too).
 */
import { createHash } from 'node:crypto';

import { sql } from 'drizzle-orm';

import type { RegistryDriver } from '../../../registry/db';
import { createTestDatabase } from '../../support/postgres';
import { DRIVERS } from '../registry/helpers';
import { ADMIN_KEY, bootApi, type TestApi } from './support';

describe.each(DRIVERS)('API security with a %s registry', (driver: RegistryDriver) => {
  let api: TestApi;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const database = driver === 'postgres' ? await createTestDatabase('distillery_api_sec') : undefined;
    dropDatabase = database?.drop;
    api = await bootApi({ DATABASE_URL: database?.url });
  });

  afterAll(async () => {
    await api?.close();
    await dropDatabase?.();
  });

  it('should answer 401 without a key and with an unknown key, naming the header to send', async () => {
    const none = await api.request({ method: 'GET', url: '/models', as: null });
    const unknown = await api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': 'dk_nope' } });

    expect(none.statusCode).toBe(401);
    expect(none.json().message).toBe("an API key is required: send 'Authorization: Bearer <key>'");
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toBe('unknown or revoked API key');
  });

  it('should accept a key as a Bearer token as well as in X-Api-Key', async () => {
    const response = await api.request({
      method: 'GET',
      url: '/models',
      as: null,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });

    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['viewer', 'POST', '/runs', { config: {} }],
    ['viewer', 'POST', '/models/m/predict', { records: [{}] }],
    ['viewer', 'POST', '/schedules', {}],
    ['operator', 'PUT', '/models/m/aliases/production', { version: 1 }],
    ['operator', 'POST', '/models/m/versions/1/archive', undefined],
    ['operator', 'POST', '/keys', { name: 'x', role: 'admin' }],
    ['operator', 'GET', '/audit', undefined],
    ['operator', 'DELETE', '/schedules/nightly', undefined],
  ] as const)('should refuse a %s key %s %s with 403 naming the role required', async (role, method, url, payload) => {
    const response = await api.request({ method, url, payload, as: role });

    expect(response.statusCode).toBe(403);
    expect(response.json().message).toMatch(new RegExp(`has role ${role}; this requires (operator|admin)$`));
  });

  it('should store only the SHA-256 of a created key, and authenticate with the key shown once', async () => {
    const created = await api.request({ method: 'POST', url: '/keys', payload: { name: 'ci', role: 'viewer' } });
    const { key, keyId } = created.json();

    const rows = (await (await api.registry()).db.execute(sql`select key_hash from api_keys where id = ${keyId}`)) as {
      rows: { key_hash: string }[];
    };
    const asCi = await api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': key } });

    expect(created.statusCode).toBe(201);
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    expect(rows.rows[0]!.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(asCi.statusCode).toBe(200);
  });

  it('should refuse a revoked key at once, and list it with its revocation instant', async () => {
    const { key, keyId } = (
      await api.request({ method: 'POST', url: '/keys', payload: { name: 'temp', role: 'operator' } })
    ).json();

    const revoked = await api.request({ method: 'DELETE', url: `/keys/${keyId}` });
    const after = await api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': key } });
    const listed = (await api.request({ method: 'GET', url: '/keys' }))
      .json()
      .find((k: { keyId: number }) => k.keyId === keyId);

    expect(revoked.statusCode).toBe(204);
    expect(after.statusCode).toBe(401);
    expect(listed).toMatchObject({ name: 'temp', role: 'operator', revokedAt: expect.any(String) });
    expect(listed).not.toHaveProperty('key');
  });

  it('should write an audit row for every mutation, refused ones included, with the request id', async () => {
    const moved = await api.request({
      method: 'PUT',
      url: '/models/ghost/aliases/production',
      payload: { version: 1 },
      headers: { 'x-request-id': 'req-audit-1' },
    });
    const refused = await api.request({
      method: 'POST',
      url: '/keys',
      payload: { name: 'y', role: 'admin' },
      as: 'viewer',
    });

    const audit = (await api.request({ method: 'GET', url: '/audit?limit=2' })).json();

    expect(moved.statusCode).toBe(404);
    expect(moved.headers['x-request-id']).toBe('req-audit-1');
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'key:reader',
        role: 'viewer',
        action: 'POST /keys',
        statusCode: 403,
        requestId: refused.headers['x-request-id'],
      }),
      expect.objectContaining({
        actor: 'key:bootstrap-admin',
        role: 'admin',
        action: 'PUT /models/:name/aliases/:alias',
        target: '/models/ghost/aliases/production',
        requestId: 'req-audit-1',
        statusCode: 404,
        details: { params: { name: 'ghost', alias: 'production' } },
      }),
    ]);
  });

  it('should not audit reads or predictions', async () => {
    const before = (await api.request({ method: 'GET', url: '/audit?limit=1000' })).json().length;
    await api.request({ method: 'GET', url: '/models' });
    await api.request({ method: 'POST', url: '/models/ghost/predict', payload: { records: [{}] }, as: 'operator' });

    expect((await api.request({ method: 'GET', url: '/audit?limit=1000' })).json()).toHaveLength(before);
  });

  it('should keep the audit log append-only in the database: UPDATE, DELETE and TRUNCATE are rejected', async () => {
    const { db } = await api.registry();

    await expect(db.execute(sql`update audit_log set actor = 'mallory'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_log`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_log`)).rejects.toThrow();
    const rows = (await db.execute(sql`select count(*)::int as n from audit_log where actor = 'mallory'`)) as {
      rows: { n: number }[];
    };
    expect(rows.rows[0]!.n).toBe(0);
  });

  it('should answer 400 with field-level issues for an invalid key request', async () => {
    const response = await api.request({ method: 'POST', url: '/keys', payload: { name: '', role: 'root' } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'ValidationError',
      field: 'name',
      issues: [{ field: 'name' }, { field: 'role' }],
    });
  });
});
