/** A throw-away PostgreSQL database on the machine's server, for tests against the real thing. */
import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

/** Admin connection (default: the local server, trust auth). */
export const POSTGRES_ADMIN_URL = process.env.DISTILLERY_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

/** Creates a fresh database; returns its URL and a function that drops it. */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
