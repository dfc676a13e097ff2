/** Settings of the HTTP API beyond those it shares with the workers, validated at start-up. */
import { join, resolve } from 'node:path';

import { z } from 'zod';

import { InvalidConfigError } from '../../common/errors';

const MIB = 1024 * 1024;
/** Longest TTL of the key and alias caches: 5 minutes. */
const MAX_CACHE_TTL_MS = 300_000;

const apiSettingsSchema = z.object({
  /**
   * Bootstrap admin key: registered (hashed) at start-up as the admin key `bootstrap-admin`, so a
   * fresh deployment can create the other keys. At least 16 characters. Unset: none is registered.
   */
  DISTILLERY_ADMIN_KEY: z.string().min(16, 'must have at least 16 characters').optional(),
  /** Folder that run configurations may read data files from. Default `$DISTILLERY_HOME/data`. */
  DISTILLERY_DATA_DIR: z.string().min(1).optional(),
  /** Largest dataset upload in bytes. Default 100 MiB. */
  DISTILLERY_UPLOAD_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * MIB),
  /** Most records one predict request may carry. Default 1000. */
  DISTILLERY_PREDICT_MAX_BATCH: z.coerce.number().int().positive().max(100_000).default(1000),
  /** Requests per minute per API key (or per client address without one). Default 6000. */
  DISTILLERY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  /** Loaded predictors kept in memory (least recently used dropped first). Default 16. */
  DISTILLERY_PREDICTOR_CACHE: z.coerce.number().int().positive().max(1024).default(16),
  /**
   * How long (ms) an authenticated API key is remembered. Revoking a key through this process takes
   * effect at once; a revocation by another process (another API replica, the CLI against the
   * database) within this time. 0: every request reads the registry. Default 5000.
   */
  DISTILLERY_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(MAX_CACHE_TTL_MS).default(5000),
  /**
   * How long (ms) the version an alias (or a version number) resolves to is remembered for predictions.
   * An alias move or an archive through this process takes effect at once; one by another process
   * (another replica, a scheduled promotion) within this time. 0: every prediction reads the registry.
   * Default 5000.
   */
  DISTILLERY_ALIAS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(MAX_CACHE_TTL_MS).default(5000),
});

/** Validated settings of the API. */
export interface ApiSettings {
  readonly adminKey?: string;
  readonly dataDir: string;
  readonly uploadLimitBytes: number;
  readonly predictMaxBatch: number;
  readonly rateLimitPerMinute: number;
  readonly predictorCacheSize: number;
  /** TTL of the authenticated-key cache in ms (0: off); see `DISTILLERY_KEY_CACHE_TTL_MS`. */
  readonly keyCacheTtlMs: number;
  /** TTL of the alias resolution cache in ms (0: off); see `DISTILLERY_ALIAS_CACHE_TTL_MS`. */
  readonly aliasCacheTtlMs: number;
}

/**
 * Reads the API's settings; `home` is the validated `DISTILLERY_HOME`. Empty variables count as unset.
 * @throws InvalidConfigError naming the variable to fix.
 */
export function loadApiSettings(home: string, env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const present = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => Boolean(e[1])));
  const parsed = apiSettingsSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  const s = parsed.data;
  return {
    adminKey: s.DISTILLERY_ADMIN_KEY,
    dataDir: resolve(s.DISTILLERY_DATA_DIR ?? join(home, 'data')),
    uploadLimitBytes: s.DISTILLERY_UPLOAD_LIMIT_BYTES,
    predictMaxBatch: s.DISTILLERY_PREDICT_MAX_BATCH,
    rateLimitPerMinute: s.DISTILLERY_RATE_LIMIT_PER_MINUTE,
    predictorCacheSize: s.DISTILLERY_PREDICTOR_CACHE,
    keyCacheTtlMs: s.DISTILLERY_KEY_CACHE_TTL_MS,
    aliasCacheTtlMs: s.DISTILLERY_ALIAS_CACHE_TTL_MS,
  };
}
