/** Registers the bootstrap admin key from `DISTILLERY_ADMIN_KEY` when the API starts. */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { ensureAdminKey } from '../../registry/keys';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS } from '../settings/settings.module';

/** Name under which the bootstrap key is registered and audited. */
export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';

/**
 * Stores the SHA-256 of `DISTILLERY_ADMIN_KEY` as the admin key {@link BOOTSTRAP_KEY_NAME}, once.
 * Note that when the registry cannot be opened at start-up the failure is logged (and `/readyz`
 * reports the registry): the key is registered at the next start.
 */
@Injectable()
export class AdminBootstrapService implements OnModuleInit {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    const key = this.settings.adminKey;
    if (!key) return;
    try {
      await ensureAdminKey(await this.registry.get(), BOOTSTRAP_KEY_NAME, key);
      this.logger.log({ msg: 'bootstrap admin key registered', name: BOOTSTRAP_KEY_NAME });
    } catch (error) {
      this.logger.warn({ msg: 'bootstrap admin key not registered', error: String(error) });
    }
  }
}
