/** The version an alias (or a version number) of a model serves, remembered for a few seconds. */
import type { Registry } from '../../registry/db';
import { findServableVersion, type ServableVersion } from '../../registry/versions';
import { type Clock, TtlCache } from '../http/ttl-cache';

/** Most (model, alias or version) resolutions remembered at once. */
export const SERVABLE_CACHE_CAPACITY = 10_000;

/** What a predict request serves: an alias of the model, or one of its versions. */
export type ServableSelector = { readonly alias: string } | { readonly version: number };

/**
 * Resolutions of {@link findServableVersion} (version, student artifact, archived or not), kept for
 * `ttlMs` after they were read. An unknown model, alias or version (404) is not remembered.
 *
 * Staleness bound: an alias move or an archive made through this process is followed by
 * {@link forget}, so the next prediction serves the new version (or refuses the archived one);
 * one made by another process (another API replica, a scheduled promotion in a worker) is served
 * here at the latest `ttlMs` after it committed.
 */
export class ServableVersionCache {
  private readonly cache: TtlCache<ServableVersion>;

  /** @param ttlMs how long a resolution is served (0: never cached). */
  constructor(ttlMs: number, clock: Clock) {
    this.cache = new TtlCache({ ttlMs, capacity: SERVABLE_CACHE_CAPACITY, clock });
  }

  /**
   * The version `selector` names, from the cache or the registry.
   * @throws RegistryError (reason 'not found') for an unknown model, alias or version.
   */
  resolve(registry: Registry, modelName: string, selector: ServableSelector): Promise<ServableVersion> {
    const key = 'alias' in selector ? `${modelName}\0a:${selector.alias}` : `${modelName}\0v:${selector.version}`;
    return this.cache.get(key, () => findServableVersion(registry, modelName, selector));
  }

  /** Forgets every resolution of a model: call it after moving one of its aliases or archiving a version. */
  forget(modelName: string): void {
    this.cache.invalidate((_, servable) => servable.modelName === modelName);
  }
}
