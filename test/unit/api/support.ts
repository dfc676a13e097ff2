/**
 * Test support for the HTTP API: the application booted as in production (`createApp`) against a
 * registry in a temporary DISTILLERY_HOME, keys of each role, multipart bodies, a tiny real bundle.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

import { RegistryService } from '../../../api/registry/registry.service';
import { createApp } from '../../../api/setup';
import type { StudentBundle } from '../../../core/bundle';
import type { StudentFeatureSpec } from '../../../core/ml/student/features';
import { serializeStudent, studentShape } from '../../../core/ml/student/model';
import { initialWeights } from '../../../core/ml/train-mlp';
import type { Registry } from '../../../registry/db';
import { createApiKey } from '../../../registry/keys';
import type { ApiRole } from '../../../registry/schema';

/** The bootstrap admin key every test app starts with. */
export const ADMIN_KEY = 'test-admin-key-0123456789';

const ENV_KEYS = [
  'DISTILLERY_HOME',
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'DISTILLERY_ADMIN_KEY',
  'DISTILLERY_DATA_DIR',
  'DISTILLERY_UPLOAD_LIMIT_BYTES',
  'DISTILLERY_PREDICT_MAX_BATCH',
  'DISTILLERY_RATE_LIMIT_PER_MINUTE',
  'DISTILLERY_KEY_CACHE_TTL_MS',
  'DISTILLERY_ALIAS_CACHE_TTL_MS',
] as const;
type EnvKey = (typeof ENV_KEYS)[number];

/** A booted app in its own home folder, with a key per role. */
export interface TestApi {
  readonly app: NestFastifyApplication;
  readonly home: string;
  readonly keys: Readonly<Record<ApiRole, string>>;
  registry(): Promise<Registry>;
  /** A request with the given role's key (or none with `as: null`). */
  request(options: InjectOptions & { as?: ApiRole | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Boots the app with the given environment (HOME and ADMIN_KEY are set unless given) and creates an
 * operator and a viewer key, unless `createKeys` is false (a registry that cannot open).
 */
export async function bootApi(env: Partial<Record<EnvKey, string>> = {}, createKeys = true): Promise<TestApi> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-api-'));
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  setEnv({ DISTILLERY_HOME: home, DISTILLERY_ADMIN_KEY: ADMIN_KEY, ...env });
  const app = await createApp({ logger: false });
  const registry = () => app.get(RegistryService).get();
  const create = async (name: string, role: ApiRole) =>
    createKeys ? (await createApiKey(await registry(), { name, role, createdBy: 'jest' })).key : '';
  const keys = {
    admin: ADMIN_KEY,
    operator: await create('ops', 'operator'),
    viewer: await create('reader', 'viewer'),
  };
  return {
    app,
    home,
    keys,
    registry,
    request: ({ as = 'admin', ...options }) =>
      app.inject({ ...options, headers: { ...(as ? { 'x-api-key': keys[as] } : {}), ...options.headers } }),
    async close() {
      await app.close();
      setEnv(saved);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

function setEnv(values: Partial<Record<EnvKey, string | undefined>>): void {
  for (const key of ENV_KEYS) {
    const value = values[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** A multipart/form-data body with one file under field `file`. */
export function multipartFile(
  filename: string,
  content: string | Buffer,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----distillery-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`),
    Buffer.from('Content-Type: text/csv\r\n\r\n'),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const SPEC: StudentFeatureSpec = {
  vocabulary: ['free', 'win'],
  ngramMax: 1,
  charBuckets: 8,
  tabular: ['amount', 'colour=blue', 'colour=red', 'colour=__unknown__'],
};

/**
 * A real, tiny student bundle: text `note`, numeric `amount` (mean 10, std 5) and categorical
 * `colour` (blue, red); seeded weights, temperature 1, no threshold.
 */
export const TINY_BUNDLE: StudentBundle = {
  format: 'distillery-student-bundle/1',
  decision: { temperature: 1 },
  transform: {
    label: 'label',
    text: 'note',
    labels: ['ham', 'spam'],
    fitted: {
      version: 1,
      numeric: [{ name: 'amount', mean: 10, std: 5, zeroVariance: false, missingIndicator: false }],
      categorical: [{ name: 'colour', categories: ['blue', 'red'], rare: [] }],
    },
  },
  student: serializeStudent({
    spec: SPEC,
    classes: ['ham', 'spam'],
    hidden: 4,
    weights: initialWeights(studentShape(SPEC, 4, 2), 3),
  }),
};
