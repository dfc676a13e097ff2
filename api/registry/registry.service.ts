/** The API's one connection to the model registry. */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { sql } from 'drizzle-orm';

import { openRegistry, type Registry } from '../../registry/db';
import type { Settings } from '../../workers/settings';
import { SETTINGS } from '../settings/settings.module';

/**
 * Opens the registry once per process (PostgreSQL when `DATABASE_URL` is set, otherwise the
 * embedded PGlite database in `$DISTILLERY_HOME/registry`), shares it with every request, and
 * closes it when the application shuts down.
 *
 * Note that opening applies pending migrations. A failed open is not cached: the next caller
 * tries again, so the API becomes ready on its own once the database is reachable.
 * Note that the embedded PGlite database is single-process: do not point the API and a worker
 * at the same `DISTILLERY_HOME` without `DATABASE_URL`.
 */
@Injectable()
export class RegistryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryService.name);
  private opening: Promise<Registry> | undefined;

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  /** Opens the registry before the server listens; a failure is logged and reported by `/readyz`. */
  async onModuleInit(): Promise<void> {
    await this.get().catch(() => undefined);
  }

  /**
   * The open registry, opened on the first call.
   * @throws RegistryError (reason 'migration failed') or a driver error when the database cannot be opened.
   */
  get(): Promise<Registry> {
    this.opening ??= this.open();
    return this.opening;
  }

  /**
   * Resolves when the registry answers `select 1`.
   * @throws the error of opening or of the query when the registry is not usable.
   */
  async ping(): Promise<void> {
    const registry = await this.get();
    await registry.db.execute(sql`select 1`);
  }

  /** Closes the registry after the HTTP server has stopped taking requests. */
  async onApplicationShutdown(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const registry = await opening?.catch(() => undefined);
    await registry?.close();
    if (registry) this.logger.debug({ msg: 'registry closed', driver: registry.driver });
  }

  private async open(): Promise<Registry> {
    const started = Date.now();
    const { databaseUrl, home } = this.settings;
    try {
      const registry = await openRegistry({ databaseUrl, dataDir: home });
      this.logger.log({ msg: 'registry open', driver: registry.driver, durationMs: Date.now() - started });
      return registry;
    } catch (error) {
      this.opening = undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ msg: 'registry open failed', error: message, durationMs: Date.now() - started });
      throw error;
    }
  }
}
