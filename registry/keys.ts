/**
 * API keys. A key is 32 random bytes shown once at creation; only its SHA-256 is stored, so a
 * leaked database does not leak usable keys. Revoked keys stay listed but authenticate no one.
 */
import { createHash, randomBytes } from 'node:crypto';

import { and, asc, eq, isNull } from 'drizzle-orm';

import type { Registry } from './db';
import { RegistryError } from './errors';
import { API_ROLES, apiKeys, type ApiRole } from './schema';
import { hasErrorCode, iso, PG_UNIQUE_VIOLATION, requireText } from './util';

/** Prefix of every key Distillery issues, so that a leaked one is recognisable in logs and scanners. */
export const API_KEY_PREFIX = 'dk_';

/** Who a key authenticates. */
export interface ApiPrincipal {
  readonly keyId: number;
  readonly name: string;
  readonly role: ApiRole;
}

/** A key as listed: never the key or its hash. */
export interface ApiKeySummary extends ApiPrincipal {
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A freshly created key; `key` is not stored anywhere and cannot be shown again. */
export interface CreatedApiKey extends ApiPrincipal {
  readonly key: string;
}

/** Hex SHA-256 of a key: what the registry stores and looks keys up by. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: the prefix and 32 bytes of base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Creates a key with a role. `key` is normally left out (a random one is generated); passing one
 * registers a key chosen elsewhere, such as the bootstrap admin key from the environment.
 * @throws RegistryError (reason 'invalid input') for an unknown role, a name in use, or a key shorter than 16.
 */
export async function createApiKey(
  registry: Registry,
  input: { name: string; role: ApiRole; createdBy: string; key?: string },
): Promise<CreatedApiKey> {
  requireText('name', input.name);
  requireText('createdBy', input.createdBy);
  if (!API_ROLES.includes(input.role)) throw invalid('role', `role must be one of ${API_ROLES.join(', ')}`);
  const key = input.key ?? generateApiKey();
  if (key.length < 16) throw invalid('key', 'an API key must have at least 16 characters');

  try {
    const [row] = await registry.db
      .insert(apiKeys)
      .values({ name: input.name, role: input.role, keyHash: hashApiKey(key), createdBy: input.createdBy })
      .returning({ keyId: apiKeys.id });
    return { keyId: row!.keyId, name: input.name, role: input.role, key };
  } catch (error) {
    if (!hasErrorCode(error, PG_UNIQUE_VIOLATION)) throw error;
    throw invalid('name', `an API key named '${input.name}' (or with the same key) already exists`);
  }
}

/**
 * Registers `key` as an admin key named `name` unless a key with that hash exists; for the
 * bootstrap key read from the environment at start-up. Idempotent.
 */
export async function ensureAdminKey(registry: Registry, name: string, key: string): Promise<void> {
  if (await authenticateApiKey(registry, key)) return;
  await createApiKey(registry, { name, role: 'admin', createdBy: 'bootstrap', key }).catch(async (error: unknown) => {
    // Another process registered it at the same instant.
    if (!(await authenticateApiKey(registry, key))) throw error;
  });
}

/** The principal a key authenticates, or null for an unknown or revoked key. */
export async function authenticateApiKey(registry: Registry, key: string): Promise<ApiPrincipal | null> {
  const [row] = await registry.db
    .select({ keyId: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)));
  return row ?? null;
}

/** Every key, oldest first, without secrets. */
export async function listApiKeys(registry: Registry): Promise<ApiKeySummary[]> {
  const rows = await registry.db.select().from(apiKeys).orderBy(asc(apiKeys.id));
  return rows.map((r) => ({
    keyId: r.id,
    name: r.name,
    role: r.role,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
    revokedAt: r.revokedAt ? iso(r.revokedAt) : null,
  }));
}

/**
 * Revokes a key; revoking a revoked key changes nothing.
 * @throws RegistryError (reason 'not found') when no key has that id.
 */
export async function revokeApiKey(registry: Registry, keyId: number): Promise<void> {
  const [row] = await registry.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!row) throw new RegistryError(`API key ${keyId} not found`, { reason: 'not found', keyId });
  if (!row.revokedAt) await registry.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, keyId));
}

function invalid(field: string, message: string): RegistryError {
  return new RegistryError(message, { reason: 'invalid input', field });
}
