/** A Distillery worker as its own process: `node dist/workers/main.js cpu|accelerator`. */
import { join } from 'node:path';

import { PROJECT_ROOT } from '../../../cli/runtime';
import { launch, waitFor, type ManagedProcess } from './processes';

/** The two worker kinds, one per task queue. */
export type WorkerKind = 'cpu' | 'accelerator';

/** Settings of a worker process, passed as environment variables. */
export interface WorkerEnv {
  readonly home: string;
  readonly databaseUrl: string;
  readonly temporalAddress: string;
}

let started = 0;

/**
 * Starts a worker process and waits until it polls its task queue (the SDK logs the state change).
 * The compiled build is used, as in production: run `npm run build` after changing the sources.
 */
export async function startWorker(kind: WorkerKind, env: WorkerEnv): Promise<ManagedProcess> {
  const worker = launch({
    name: `${kind}-worker`,
    command: process.execPath,
    args: [join(PROJECT_ROOT, 'dist', 'workers', 'main.js'), kind],
    logFile: join(env.home, `worker-${kind}-${++started}.log`),
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      DISTILLERY_HOME: env.home,
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
    },
  });
  await waitFor(`the ${kind} worker to poll`, () => polling(worker), 120_000, 300);
  return worker;
}

async function polling(worker: ManagedProcess): Promise<true | undefined> {
  if (!worker.alive()) throw new Error(`${worker.name} exited: ${await worker.output()}`);
  return /state: 'RUNNING'|"state":"RUNNING"/.test(await worker.output()) ? true : undefined;
}
