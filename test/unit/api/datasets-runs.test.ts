/**
 * Dataset uploads (streamed, size-limited, content-addressed, profiled) and the validation of run
 * requests, which completes before Temporal is asked anything: this app has no TEMPORAL_ADDRESS,
 * so a request that passes validation is answered 503.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bootApi, multipartFile, type TestApi } from './support';

const CSV = 'label,text,amount\nham,hello there,3\nspam,win a prize,7\nham,see you soon,\n';

describe('dataset and run routes', () => {
  let api: TestApi;
  let dataDir: string;
  let outside: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-data-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-outside-'));
    fs.writeFileSync(path.join(dataDir, 'sms.csv'), CSV);
    fs.writeFileSync(path.join(outside, 'secret.csv'), CSV);
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(dataDir, 'link.csv'));
    api = await bootApi({ DISTILLERY_DATA_DIR: dataDir, DISTILLERY_UPLOAD_LIMIT_BYTES: '1024' });
  });

  afterAll(async () => {
    await api?.close();
    for (const dir of [dataDir, outside]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'should store an upload under its SHA-256 with a profile, ' + 'and return the same record for the same bytes',
    async () => {
      const first = await api.request({
        method: 'POST',
        url: '/datasets',
        ...multipartFile('sms.csv', CSV),
        as: 'operator',
      });
      const again = await api.request({
        method: 'POST',
        url: '/datasets',
        ...multipartFile('copy.csv', CSV),
        as: 'operator',
      });
      const sha256 = createHash('sha256').update(CSV).digest('hex');
      const detail = await api.request({ method: 'GET', url: `/datasets/${sha256}`, as: 'viewer' });

      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ sha256, name: 'sms.csv', bytes: CSV.length, created: true, rows: 3 });
      expect(first.json().columns).toEqual(['label', 'text', 'amount']);
      expect(again.json()).toMatchObject({ sha256, name: 'sms.csv', created: false });
      expect(detail.json().profile.rows).toBe(3);
      expect(detail.json().profile.columns.map((c: { name: string }) => c.name)).toEqual(['label', 'text', 'amount']);
      expect((await api.request({ method: 'GET', url: '/datasets', as: 'viewer' })).json()).toHaveLength(1);
    },
  );

  it('should refuse an upload above the size limit with 413 and keep nothing of it', async () => {
    const big = 'label,text\n' + 'ham,'.padEnd(60, 'x').concat('\n').repeat(40);
    const response = await api.request({
      method: 'POST',
      url: '/datasets',
      ...multipartFile('big.csv', big),
      as: 'operator',
    });

    expect(response.statusCode).toBe(413);
    expect(response.json().message).toBe('the upload exceeds the limit of 1024 bytes');
    expect(fs.readdirSync(path.join(api.home, 'artifacts', 'tmp'))).toEqual([]);
  });

  it('should refuse a file that is not delimited text by extension, naming the field', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/datasets',
      ...multipartFile('model.bin', 'x'),
      as: 'operator',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().field).toBe('file');
  });

  it.each([
    ['../secret.csv', "'../secret.csv' is outside the data folder"],
    ['/etc/passwd', "'/etc/passwd' is outside the data folder"],
    ['link.csv', "'link.csv' links outside the data folder"],
    ['missing.csv', "'missing.csv' does not exist in the data folder"],
  ])('should refuse the data path %s with 400 naming config.dataPath', async (dataPath, message) => {
    const payload = { config: { dataPath, label: 'label', text: 'text', modelName: 'sms' } };
    const response = await api.request({ method: 'POST', url: '/runs', payload, as: 'operator' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'ValidationError',
      field: 'config.dataPath',
      issues: [{ message }],
    });
  });

  it.each([
    [{ distillation: { temperature: 0 } }, 'config.distillation.temperature', 'temperature must be greater than 0'],
    [
      { split: { validation: 0.45, test: 0.45 } },
      'config.split',
      'validation + test must leave at least 20 % of rows for training',
    ],
    [{ modelName: 'no spaces allowed' }, 'config.modelName', 'letters, digits, . _ - (max 100)'],
  ])('should refuse an impossible configuration %j with 400 naming %s', async (override, field, message) => {
    const config = { dataPath: 'sms.csv', label: 'label', text: 'text', modelName: 'sms', ...override };
    const response = await api.request({ method: 'POST', url: '/runs', payload: { config }, as: 'operator' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field, issues: [{ field, message }] });
  });

  it('should refuse a request naming both an uploaded dataset and a data path', async () => {
    const payload = {
      datasetSha256: 'a'.repeat(64),
      config: { dataPath: 'sms.csv', label: 'label', modelName: 'sms' },
    };
    const response = await api.request({ method: 'POST', url: '/runs', payload, as: 'operator' });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'invalid request: datasetSha256: give exactly one of datasetSha256 and config.dataPath',
    );
  });

  it('should answer 503 only once the configuration is valid, when Temporal is not configured', async () => {
    const payload = { config: { dataPath: 'sms.csv', label: 'label', text: 'text', modelName: 'sms' } };
    const response = await api.request({ method: 'POST', url: '/runs', payload, as: 'operator' });

    expect(response.statusCode).toBe(503);
    expect(response.json().message).toBe('Temporal is not configured: set TEMPORAL_ADDRESS');
  });
});
