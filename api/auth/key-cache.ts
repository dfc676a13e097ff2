/** Authenticated API keys remembered for a few seconds, so that a request does not always read the registry. */
import { Inject, Injectable } from '@nestjs/common';

import { authenticateApiKey, hashApiKey, revokeApiKey, type ApiPrincipal } from '../../registry/keys';
import { CLOCK, type Clock, TtlCache } from '../http/ttl-cache';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS } from '../settings/settings.module';

/** Most keys remembered at once. */
export const KEY_CACHE_CAPACITY = 10_000;

/**
 * The principal of each key that authenticated in the last `DISTILLERY_KEY_CACHE_TTL_MS`, by the key's
 * SHA-256 (the key itself is not kept). Unknown and revoked keys are not remembered: they are looked
 * up every time, so a key created anywhere works at once.
 *
 * Staleness bound: a key revoked through this process ({@link revoke}) is refused by its very next
 * request; a key revoked by another process (another API replica, a direct database change) keeps
 * authenticating here for at most the TTL. Keys' roles never change, so nothing else can be stale.
 */
@Injectable()
export class ApiKeyCache {
  private readonly cache: TtlCache<ApiPrincipal | null>;

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(API_SETTINGS) settings: ApiSettings,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.cache = new TtlCache({ ttlMs: settings.keyCacheTtlMs, capacity: KEY_CACHE_CAPACITY, clock });
  }

  /**
   * The principal a key authenticates, or null for an unknown or revoked key.
   * @throws the registry's error when the key is not cached and the registry cannot be read.
   */
  async authenticate(key: string): Promise<ApiPrincipal | null> {
    const registry = await this.registry.get();
    return this.cache.get(hashApiKey(key), () => authenticateApiKey(registry, key), (p) => p !== null);
  }

  /**
   * Revokes a key in the registry and forgets it here, so that this process refuses it at once.
   * @throws RegistryError (reason 'not found') when no key has that id.
   */
  async revoke(keyId: number): Promise<void> {
    try {
      await revokeApiKey(await this.registry.get(), keyId);
    } finally {
      this.cache.invalidate((_, principal) => principal?.keyId === keyId);
    }
  }
}
