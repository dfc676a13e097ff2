/**
 * `POST /models/:name/batch-predict` without Temporal: the body, the model version, the archive state
 * and the data path are all checked before Temporal is asked anything, so a request that passes them
 * is answered 503 by this app (it has no TEMPORAL_ADDRESS). The workflow itself runs in the e2e test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { LocalArtifactStore } from '../../../artifacts/store';
import { registerModelVersion } from '../../../registry/register';
import { registerInput } from '../registry/helpers';
import { bootApi, TINY_BUNDLE, type TestApi } from './support';

const URL = '/models/spam/batch-predict';

describe('batch prediction routes', () => {
  let api: TestApi;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-batch-data-'));
    fs.writeFileSync(path.join(dataDir, 'inbox.csv'), 'note,amount,colour\nwin a prize,3,red\n');
    api = await bootApi({ DISTILLERY_DATA_DIR: dataDir });
    const student = await new LocalArtifactStore(path.join(api.home, 'artifacts')).putJson('student', TINY_BUNDLE);
    for (const key of ['b1', 'b2'])
      await registerModelVersion(await api.registry(), { ...registerInput('spam', key), student });
    await api.request({ method: 'POST', url: '/models/spam/versions/1/archive' });
  });

  afterAll(async () => {
    await api?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    [{}, 'data', 'give exactly one of data and dataset'],
    [{ data: 'inbox.csv', dataset: 'a'.repeat(64) }, 'data', 'give exactly one of data and dataset'],
    [{ data: 'inbox.csv', version: 2, alias: 'production' }, 'version', 'give alias or version, not both'],
    [{ data: 'inbox.csv', version: 0 }, 'version', 'Too small: expected number to be >0'],
    [{ dataset: 'ABC' }, 'dataset', 'a lower-case hex SHA-256'],
    [{ data: 'inbox.csv', idColumn: '' }, 'idColumn', 'Too small: expected string to have >=1 characters'],
  ])('refuses the body %j with 400 naming %s', async (payload, field, message) => {
    const response = await api.request({ method: 'POST', url: URL, payload, as: 'operator' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'ValidationError',
      field,
      message: `invalid request: ${field}: ${message}`,
    });
  });

  it.each([
    ['/models/nope/batch-predict', { data: 'inbox.csv' }, "model 'nope' not found in the registry"],
    [URL, { data: 'inbox.csv', version: 9 }, "model 'spam' has no version 9"],
    [URL, { data: 'inbox.csv', alias: 'staging' }, "model 'spam' has no alias 'staging'"],
    [URL, { dataset: 'a'.repeat(64) }, `dataset ${'a'.repeat(64)} not found`],
  ])('answers 404 for %s with %j, naming what is unknown', async (url, payload, message) => {
    const response = await api.request({ method: 'POST', url, payload, as: 'operator' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'RegistryError', reason: 'not found', message });
  });

  it('refuses an archived version with 409, as predictions do', async () => {
    const response = await api.request({ method: 'POST', url: URL, payload: { data: 'inbox.csv', version: 1 } });

    expect(response.statusCode).toBe(409);
    expect(response.json().message).toBe('spam v1 is archived and serves no predictions');
  });

  it.each([
    ['../secret.csv', "'../secret.csv' is outside the data folder"],
    ['missing.csv', "'missing.csv' does not exist in the data folder"],
  ])('refuses the data path %s with 400 naming data', async (data, message) => {
    const response = await api.request({ method: 'POST', url: URL, payload: { data }, as: 'operator' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'ValidationError',
      field: 'data',
      issues: [{ field: 'data', message }],
    });
  });

  it('refuses a viewer key with 403, and asks Temporal only once the request is valid (503 here)', async () => {
    const viewer = await api.request({ method: 'POST', url: URL, payload: { data: 'inbox.csv' }, as: 'viewer' });
    const valid = await api.request({ method: 'POST', url: URL, payload: { data: 'inbox.csv' }, as: 'operator' });
    const followed = await api.request({ method: 'GET', url: `${URL}/batch-predict-spam-x`, as: 'viewer' });

    expect(viewer.statusCode).toBe(403);
    expect(valid.statusCode).toBe(503);
    expect(valid.json().message).toBe('Temporal is not configured: set TEMPORAL_ADDRESS');
    expect(followed.statusCode).toBe(503);
  });

  it('keeps an audit row of every batch-prediction request, refused ones included', async () => {
    const { body } = await api.request({ method: 'GET', url: '/audit?limit=1000' });
    const actions = (JSON.parse(body) as { actor: string; action: string; statusCode: number }[])
      .filter((row) => row.action === 'POST /models/:name/batch-predict')
      .map((row) => `${row.actor} ${row.statusCode}`);

    expect(actions.sort()).toEqual(
      [
        ...Array(6).fill('key:ops 400'),
        ...Array(4).fill('key:ops 404'),
        'key:bootstrap-admin 409',
        ...Array(2).fill('key:ops 400'),
        'key:reader 403',
        'key:ops 503',
      ].sort(),
    );
  });
});
