/**
 * The CLI's API commands (`promote`, `predict`) against the API listening on a
 * loopback port, and `keys create` against a registry, each run as a user runs them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { LocalArtifactStore } from '../../../artifacts/store';
import { apiTarget } from '../../../cli/api-client';
import { openRegistry } from '../../../registry/db';
import { authenticateApiKey } from '../../../registry/keys';
import { registerModelVersion } from '../../../registry/register';
import { registerInput } from '../registry/helpers';
import { bootApi, TINY_BUNDLE, type TestApi } from './support';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** Runs the CLI from the sources with the given environment; resolves with exit code and output. */
async function distillery(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('CLI commands over the API', () => {
  let api: TestApi;
  let url: string;

  beforeAll(async () => {
    api = await bootApi();
    const student = await new LocalArtifactStore(path.join(api.home, 'artifacts')).putJson('student', TINY_BUNDLE);
    await registerModelVersion(await api.registry(), { ...registerInput('spam', 'c1'), student });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    url = await api.app.getUrl();
  });

  afterAll(async () => {
    await api?.close();
  });

  it(
    'promotes with an admin key given as options, ' + 'then predicts with an operator key from the environment',
    async () => {
      const promoted = await distillery({}, 'promote', 'spam', '1', '--api-url', url, '--api-key', api.keys.admin);
      const env = { DISTILLERY_API_URL: url, DISTILLERY_API_KEY: api.keys.operator };
      const predicted = await distillery(
        env,
        'predict',
        'spam',
        '--record',
        '{"note":"win","amount":3,"colour":"teal"}',
      );

      expect(promoted.code).toBe(0);
      expect(JSON.parse(promoted.stdout)).toMatchObject({ alias: 'production', version: 1, changed: true });
      expect(predicted.code).toBe(0);
      expect(JSON.parse(predicted.stdout)).toMatchObject({
        version: 1,
        predictions: [{ label: expect.stringMatching(/^(ham|spam)$/) }],
        warnings: [
          { record: 0, column: 'colour', message: "category 'teal' was not seen in training: mapped to __unknown__" },
        ],
      });
    },
  );

  it('reports a refusal in one line naming the status and the reason', async () => {
    const refused = await distillery({}, 'promote', 'spam', '1', '--api-url', url, '--api-key', api.keys.viewer);

    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      'error [ApiError]: PUT /models/spam/aliases/production answered 403: ' +
        "key 'reader' has role viewer; this requires admin",
    );
  });
});

describe('apiTarget', () => {
  it('should prefer the options, fall back to the environment, and drop a trailing slash', () => {
    const env = { DISTILLERY_API_URL: 'http://api:3000/', DISTILLERY_API_KEY: 'dk_env' };

    expect(apiTarget({}, env)).toEqual({ url: 'http://api:3000', key: 'dk_env' });
    expect(apiTarget({ apiUrl: 'http://other', apiKey: 'dk_opt' }, env)).toEqual({
      url: 'http://other',
      key: 'dk_opt',
    });
  });

  it('should name the option to give when the URL or the key is missing', () => {
    expect(() => apiTarget({}, {})).toThrow(
      'invalid configuration: --api-url: give the API URL (or set DISTILLERY_API_URL)',
    );
    expect(() => apiTarget({ apiUrl: 'http://api' }, {})).toThrow(
      'invalid configuration: --api-key: give an API key (or set DISTILLERY_API_KEY)',
    );
  });
});

describe('distillery keys create', () => {
  it('creates a key in the registry, prints it once and stores its hash', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-keys-'));
    try {
      const created = await distillery(
        { DISTILLERY_HOME: home, DATABASE_URL: '' },
        'keys',
        'create',
        '--name',
        'root',
        '--role',
        'admin',
      );
      const { key } = JSON.parse(created.stdout);
      const registry = await openRegistry({ dataDir: home });
      const principal = await authenticateApiKey(registry, key);
      await registry.close();

      expect(created.code).toBe(0);
      expect(principal).toEqual({ keyId: 1, name: 'root', role: 'admin' });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
