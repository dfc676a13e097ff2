/**
 * A private PostgreSQL server (initdb + pg_ctl on its own port and data folder) that a scenario
 * may stop and start at will, without touching the machine's shared server. PostgreSQL refuses
 * to run as root, so when the suite runs as root the server runs as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import { freePort, waitFor } from './processes';

const run = promisify(execFile);

/** Folder of the PostgreSQL server binaries (override with DISTILLERY_PG_BIN). */
export const PG_BIN = process.env.DISTILLERY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A PostgreSQL server owned by one scenario. */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly logFile: string,
  ) {}

  /** Creates a cluster in `folder/pgdata` and starts it on a free port. */
  static async start(folder: string): Promise<PrivatePostgres> {
    const dataDir = join(folder, 'pgdata');
    await mkdir(dataDir, { recursive: true });
    await ownedByServerUser(folder);
    await ownedByServerUser(dataDir);
    const server = new PrivatePostgres(await freePort(), dataDir, join(folder, 'postgres.log'));
    await asServerUser('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'root', '--no-sync']);
    await server.startServer();
    return server;
  }

  /** URL of database `name` (trust auth as `root`). */
  url(name = 'postgres'): string {
    return `postgres://root@127.0.0.1:${this.port}/${name}`;
  }

  /** Creates a database; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server like a crash (`-m immediate`): open connections are cut, nothing is flushed politely. */
  async crash(): Promise<void> {
    await asServerUser('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** Starts the stopped server again on the same port and data folder. */
  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await asServerUser('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', 'start']);
    await waitFor('PostgreSQL to accept connections', () => this.accepting(), 30_000);
  }

  /** Stops the server for good. */
  async stop(): Promise<void> {
    await asServerUser('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }

  private async accepting(): Promise<true | undefined> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    await client.end();
    return true;
  }
}

async function asServerUser(tool: string, args: readonly string[]): Promise<void> {
  const binary = join(PG_BIN, tool);
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', binary, ...args]);
  else await run(binary, [...args]);
}

async function ownedByServerUser(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  await chown(path, Number(stdout.trim()), Number(group.trim()));
}
