/**
 * The key and alias caches of the serving path, through HTTP: what this process changes applies to
 * its very next request; what another process changes (here: the registry written directly) applies
 * once the entry's TTL has passed on the application's clock, which the tests move.
 */
import path from 'node:path';

import { CLOCK, type Clock } from '../../../api/http/ttl-cache';
import { LocalArtifactStore } from '../../../artifacts/store';
import { setAlias } from '../../../registry/aliases';
import { archiveModelVersion } from '../../../registry/versions';
import { createApiKey, revokeApiKey } from '../../../registry/keys';
import { registerModelVersion } from '../../../registry/register';
import { registerInput } from '../registry/helpers';
import { bootApi, TINY_BUNDLE, type TestApi } from './support';

const TTL_MS = 60_000;
const RECORD = { note: 'win', amount: 3, colour: 'red' };

describe('serving caches', () => {
  let api: TestApi;
  let clock: Clock;
  let now: number;

  beforeAll(async () => {
    api = await bootApi({ DISTILLERY_KEY_CACHE_TTL_MS: String(TTL_MS), DISTILLERY_ALIAS_CACHE_TTL_MS: String(TTL_MS) });
    const student = await new LocalArtifactStore(path.join(api.home, 'artifacts')).putJson('student', TINY_BUNDLE);
    const registry = await api.registry();
    for (const model of ['moved', 'remote', 'archived', 'late']) {
      for (const run of ['r1', 'r2']) {
        await registerModelVersion(registry, { ...registerInput(model, `${model}-${run}`), student });
      }
    }
    for (const model of ['moved', 'remote']) await setAlias(registry, model, 'production', 1, 'jest');
    clock = api.app.get<Clock>(CLOCK);
  });

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(clock, 'now').mockImplementation(() => now);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await api?.close();
  });

  const withKey = (key: string) =>
    api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': key } });
  const predict = (model: string, selector: object = {}) =>
    api.request({ method: 'POST', url: `/models/${model}/predict`, payload: { records: [RECORD], ...selector } });
  const newKey = async (name: string) => {
    return createApiKey(await api.registry(), { name, role: 'viewer', createdBy: 'jest' });
  };

  it('should refuse a key revoked through this process on its next request, though it was cached', async () => {
    const { key, keyId } = await newKey('revoked-here');
    const before = await withKey(key);

    const revoked = await api.request({ method: 'DELETE', url: `/keys/${keyId}` });
    const after = await withKey(key);

    expect(before.statusCode).toBe(200);
    expect(revoked.statusCode).toBe(204);
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toBe('unknown or revoked API key');
  });

  it('should keep accepting a key revoked by another process until its TTL has passed, not after', async () => {
    const { key, keyId } = await newKey('revoked-elsewhere');
    await withKey(key);

    await revokeApiKey(await api.registry(), keyId);
    now += TTL_MS - 1;
    const withinTtl = await withKey(key);
    now += 1;
    const pastTtl = await withKey(key);

    expect(withinTtl.statusCode).toBe(200);
    expect(pastTtl.statusCode).toBe(401);
  });

  it('should accept a key created after the same key was refused, at once (refusals are not cached)', async () => {
    const key = 'created-later-key-0123456789';
    const unknown = await withKey(key);

    await createApiKey(await api.registry(), { name: 'late', role: 'viewer', createdBy: 'jest', key });
    const known = await withKey(key);

    expect(unknown.statusCode).toBe(401);
    expect(known.statusCode).toBe(200);
  });

  it('should serve the new version of an alias moved through this process on the next prediction', async () => {
    const before = await predict('moved');

    const move = await api.request({ method: 'PUT', url: '/models/moved/aliases/production', payload: { version: 2 } });
    const after = await predict('moved');

    expect(before.json()).toMatchObject({ version: 1 });
    expect(move.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ version: 2 });
  });

  it('should serve an alias moved by another process once the TTL has passed', async () => {
    await predict('remote');

    await setAlias(await api.registry(), 'remote', 'production', 2, 'schedule:nightly');
    now += TTL_MS - 1;
    const withinTtl = await predict('remote');
    now += 1;
    const pastTtl = await predict('remote');

    expect(withinTtl.json()).toMatchObject({ version: 1 });
    expect(pastTtl.json()).toMatchObject({ version: 2 });
  });

  it(
    'should refuse a version archived by another process after the TTL (409), ' + 'and through this one at once',
    async () => {
      const before = await predict('archived', { version: 2 });
      await archiveModelVersion(await api.registry(), 'archived', 2, 'key:elsewhere');
      now += TTL_MS - 1;
      const withinTtl = await predict('archived', { version: 2 });
      now += 1;
      const pastTtl = await predict('archived', { version: 2 });

      const cached = await predict('archived', { version: 1 });
      const archived = await api.request({ method: 'POST', url: '/models/archived/versions/1/archive' });
      const here = await predict('archived', { version: 1 });

      expect([before.statusCode, withinTtl.statusCode, pastTtl.statusCode]).toEqual([200, 200, 409]);
      expect(cached.statusCode).toBe(200);
      expect(archived.statusCode).toBe(200);
      expect(here.statusCode).toBe(409);
      expect(here.json().message).toBe('archived v1 is archived and serves no predictions');
    },
  );

  it(
    'should answer 404 for an unset alias every time, ' + 'and serve it as soon as it is set (404s are not cached)',
    async () => {
      const unset = await predict('late');

      await setAlias(await api.registry(), 'late', 'production', 2, 'schedule:nightly');
      const set = await predict('late');

      expect(unset.statusCode).toBe(404);
      expect(unset.json().message).toBe("model 'late' has no alias 'production'");
      expect(set.json()).toMatchObject({ version: 2 });
    },
  );
});

describe('serving caches turned off', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await bootApi({ DISTILLERY_KEY_CACHE_TTL_MS: '0', DISTILLERY_ALIAS_CACHE_TTL_MS: '0' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should read the registry on every request when the TTL is 0', async () => {
    const { key, keyId } = await createApiKey(await api.registry(), { name: 'tmp', role: 'viewer', createdBy: 'jest' });
    const before = await api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': key } });

    await revokeApiKey(await api.registry(), keyId);
    const after = await api.request({ method: 'GET', url: '/models', as: null, headers: { 'x-api-key': key } });

    expect(before.statusCode).toBe(200);
    expect(after.statusCode).toBe(401);
  });
});
