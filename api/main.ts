/**
 * Entry point of the HTTP API (production): `node dist/api/main.js`. Listens on `HOST:PORT`
 * (default `0.0.0.0:3000`), reads the registry settings like the workers do, and on SIGINT/SIGTERM
 * stops taking requests, lets in-flight ones finish, then closes the registry.
 */
import 'reflect-metadata';

import { ConsoleLogger } from '@nestjs/common';

import { loadListenSettings } from './listen-settings';
import { createApp } from './setup';

async function bootstrap(): Promise<void> {
  const { port, host } = loadListenSettings();
  // JSON lines when not on a terminal, so container log collectors can parse them.
  const logger = new ConsoleLogger({ json: !process.stdout.isTTY });
  const app = await createApp({ logger });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen({ port, host });
  logger.log({ msg: 'api listening', host, port, docs: '/docs' }, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
