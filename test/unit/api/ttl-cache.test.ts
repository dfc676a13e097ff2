/** The TTL cache behind the key and alias caches, on a clock the test moves. */
import { type Clock, TtlCache } from '../../../api/http/ttl-cache';

/** A clock that only moves when told. */
class ManualClock implements Clock {
  constructor(public at = 1_000) {}

  now(): number {
    return this.at;
  }
}

/** A deferred load: resolve or reject it when the test says so. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TtlCache', () => {
  let clock: ManualClock;
  let loads: number;
  const counted =
    (value: string): (() => Promise<string>) =>
    () => {
      loads += 1;
      return Promise.resolve(value);
    };

  beforeEach(() => {
    clock = new ManualClock();
    loads = 0;
  });

  it('should serve a loaded value until exactly ttlMs after the load, then load again', async () => {
    const cache = new TtlCache<string>({ ttlMs: 5_000, capacity: 10, clock });

    await cache.get('k', counted('v1'));
    clock.at += 4_999;
    const cached = await cache.get('k', counted('v2'));
    clock.at += 1;
    const expired = await cache.get('k', counted('v3'));

    expect([cached, expired]).toEqual(['v1', 'v3']);
    expect(loads).toBe(2);
  });

  it('should load on every read when ttlMs is 0', async () => {
    const cache = new TtlCache<string>({ ttlMs: 0, capacity: 10, clock });

    const values = [await cache.get('k', counted('a')), await cache.get('k', counted('b'))];

    expect(cache.enabled).toBe(false);
    expect(values).toEqual(['a', 'b']);
    expect(cache.size).toBe(0);
  });

  it('should share one load among concurrent reads, and not keep a failed load', async () => {
    const cache = new TtlCache<string>({ ttlMs: 5_000, capacity: 10, clock });
    const first = deferred<string>();
    const load = jest.fn(() => first.promise);

    const reads = [cache.get('k', load), cache.get('k', load)];
    first.reject(new Error('registry down'));

    await expect(Promise.all(reads)).rejects.toThrow('registry down');
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.get('k', counted('after'))).toBe('after');
  });

  it('should not keep values that are not cacheable', async () => {
    const cache = new TtlCache<string | null>({ ttlMs: 5_000, capacity: 10, clock });
    const notNull = (value: string | null): boolean => value !== null;

    await cache.get('unknown', () => Promise.resolve(null), notNull);
    const later = await cache.get('unknown', () => Promise.resolve('created'), notNull);

    expect(later).toBe('created');
  });

  it('should drop what an invalidation matches at once and keep the rest', async () => {
    const cache = new TtlCache<string>({ ttlMs: 5_000, capacity: 10, clock });
    await cache.get('a', counted('a1'));
    await cache.get('b', counted('b1'));

    cache.invalidate((key) => key === 'a');

    expect(await cache.get('a', counted('a2'))).toBe('a2');
    expect(await cache.get('b', counted('b2'))).toBe('b1');
  });

  it('should not store a value whose load started before an invalidation, nor share that load', async () => {
    const cache = new TtlCache<string>({ ttlMs: 5_000, capacity: 10, clock });
    const stale = deferred<string>();
    const before = cache.get('k', () => stale.promise);

    cache.invalidate(() => true);
    const during = cache.get('k', counted('fresh'));
    stale.resolve('stale');

    expect(await before).toBe('stale');
    expect(await during).toBe('fresh');
    expect(await cache.get('k', counted('unused'))).toBe('fresh');
  });

  it('should drop the oldest loaded entry past its capacity', async () => {
    const cache = new TtlCache<string>({ ttlMs: 5_000, capacity: 2, clock });
    for (const key of ['a', 'b', 'c']) await cache.get(key, counted(key));

    const reread = await cache.get('a', counted('a again'));

    expect(cache.size).toBe(2);
    expect(reread).toBe('a again');
  });
});
