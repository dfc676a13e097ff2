/**
 * Entry point of a standalone worker process (production): `node dist/workers/main.js cpu|accelerator`.
 * Connects to `TEMPORAL_ADDRESS`, serves one task queue, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';

import { initBackend } from '../core/ml/backend';
import { createDeps } from './deps';
import { createAcceleratorWorker, createCpuWorker } from './create';
import { loadSettings } from './settings';

async function main(kind: string | undefined): Promise<void> {
  if (kind !== 'cpu' && kind !== 'accelerator') throw new Error('usage: worker cpu|accelerator');
  const settings = loadSettings();
  if (!settings.temporalAddress) throw new Error('TEMPORAL_ADDRESS must be set for a standalone worker');
  const connection = await NativeConnection.connect({ address: settings.temporalAddress });
  const deps = createDeps(settings);
  const target = { connection, namespace: settings.namespace };
  const worker = kind === 'cpu' ? await createCpuWorker(target, deps) : await createAcceleratorWorker(target, deps);
  if (kind === 'accelerator')
    Runtime.instance().logger.info('ML backend ready', { backend: (await initBackend()).name });
  try {
    await worker.run();
  } finally {
    await deps.close();
    await connection.close();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
