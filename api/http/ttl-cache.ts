/**
 * A small in-process cache whose entries expire a fixed time after they were loaded, for registry
 * answers read on every request (API keys, alias resolution). Invalidating an entry takes effect at
 * once in this process; other processes keep their copy until it expires, so the TTL is the bound
 * on how stale an answer may be there.
 */
import { Injectable } from '@nestjs/common';

/** Milliseconds from an arbitrary origin that never goes backwards; injectable so that tests can move it. */
export interface Clock {
  now(): number;
}

/** Injection token of the application's {@link Clock}: `@Inject(CLOCK) clock: Clock`. */
export const CLOCK = Symbol('Clock');

/** The process's monotonic clock (`performance.now()`), unaffected by changes of the wall clock. */
@Injectable()
export class MonotonicClock implements Clock {
  now(): number {
    return performance.now();
  }
}

/** Options of a {@link TtlCache}. */
export interface TtlCacheOptions {
  /** How long a loaded value is served, in milliseconds; 0 disables the cache (every read loads). */
  readonly ttlMs: number;
  /** Most entries kept; past it the oldest loaded is dropped first. */
  readonly capacity: number;
  readonly clock: Clock;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * Values by string key, each served for `ttlMs` after it was loaded. Concurrent reads of a key that
 * is not cached share one load; a failed load is not cached. An invalidation also forgets every
 * load in flight, and a load that started before an invalidation never stores its (possibly stale)
 * value: after `invalidate` returns, every read of the keys it dropped loads anew.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  /** Incremented by every invalidation; a load stores its value only when it is unchanged. */
  private generation = 0;

  constructor(private readonly options: TtlCacheOptions) {}

  /** Whether the cache serves anything (its TTL is above 0). */
  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /** Entries held now, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The value of `key`: the cached one while it has not expired, otherwise the result of `load`
   * (shared with concurrent reads of the same key). `cacheable` decides whether a loaded value is kept.
   */
  get(key: string, load: () => Promise<V>, cacheable: (value: V) => boolean = () => true): Promise<V> {
    if (!this.enabled) return load();
    const entry = this.entries.get(key);
    if (entry) {
      if (this.options.clock.now() < entry.expiresAt) return Promise.resolve(entry.value);
      this.entries.delete(key);
    }
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;

    const generation = this.generation;
    const loaded = load().then(
      (value) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        if (generation === this.generation && cacheable(value)) this.store(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Drops the entries whose key or value `matches`, and forgets every load in flight (see the class). */
  invalidate(matches: (key: string, value: V) => boolean): void {
    this.generation += 1;
    this.loading.clear();
    for (const [key, entry] of this.entries) if (matches(key, entry.value)) this.entries.delete(key);
  }

  /** Drops every entry and every load in flight. */
  clear(): void {
    this.invalidate(() => true);
  }

  private store(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.options.clock.now() + this.options.ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.capacity) return;
      this.entries.delete(oldest);
    }
  }
}
