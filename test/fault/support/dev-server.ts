/**
 * A Temporal dev server as a separate process (`temporal server start-dev`), with its state in a
 * SQLite file so that it can be stopped and started again on the same port without losing runs.
 */
import { join } from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { findTemporalBinary } from '../../../cli/runtime';
import { freePort, launch, waitFor, type ManagedProcess } from './processes';

/** A dev server the scenario owns. */
export class DevServer {
  private process?: ManagedProcess;

  private constructor(
    readonly port: number,
    readonly dbFile: string,
    private readonly logFile: string,
  ) {}

  /** Starts a dev server on a free port with its database in `folder`. */
  static async start(folder: string): Promise<DevServer> {
    const server = new DevServer(await freePort(), join(folder, 'temporal.db'), join(folder, 'temporal.log'));
    await server.startProcess();
    return server;
  }

  /** `host:port` of the frontend. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops the server (SIGTERM, so SQLite is closed cleanly) and starts it again on the same file and port. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
  }

  /** A client of the default namespace; the caller closes its connection. */
  async client(): Promise<Client> {
    const connection = await Connection.connect({ address: this.address });
    return new Client({ connection, namespace: 'default' });
  }

  private async startProcess(): Promise<void> {
    const binary = findTemporalBinary();
    if (!binary) throw new Error('the temporal CLI is missing: run `npm run setup`');
    const args = ['server', 'start-dev', '--headless', '--db-filename', this.dbFile, '--port', String(this.port)];
    this.process = launch({
      name: 'temporal',
      command: binary,
      args: [...args, '--log-level', 'error', '--ip', '127.0.0.1'],
      logFile: this.logFile,
    });
    await waitFor('the Temporal dev server to serve', () => this.serving(), 60_000, 500);
  }

  private async serving(): Promise<true | undefined> {
    const connection = await Connection.connect({ address: this.address, connectTimeout: '2s' });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return true;
    } finally {
      await connection.close();
    }
  }
}
