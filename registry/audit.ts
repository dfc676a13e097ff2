/**
 * The audit log: one row per mutation made through the API. Rows are only ever inserted; the
 * database rejects UPDATE, DELETE and TRUNCATE of the table (trigger of migration 0002).
 */
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';

import type { Registry } from './db';
import { auditLog } from './schema';
import { iso } from './util';

/** What is recorded about one mutation. */
export interface AuditEntryInput {
  /** Name of the API key, or 'anonymous' when the request was refused before authentication. */
  readonly actor: string;
  readonly role: string | null;
  /** `METHOD /route/pattern`, e.g. `PUT /models/:name/aliases/:alias`. */
  readonly action: string;
  /** The concrete URL the request was made to. */
  readonly target: string;
  readonly requestId: string;
  readonly statusCode: number;
  /** Small, JSON-safe context: route parameters and the outcome's identifiers. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** A recorded mutation. */
export interface AuditEntry extends AuditEntryInput {
  readonly id: number;
  readonly at: string;
}

/** Filters of {@link listAudit}; `before` pages backwards by id. */
export interface AuditQuery {
  readonly actor?: string;
  readonly since?: Date;
  readonly before?: number;
  readonly limit: number;
}

/** Appends one row. */
export async function appendAudit(registry: Registry, entry: AuditEntryInput): Promise<void> {
  await registry.db.insert(auditLog).values({ ...entry, details: { ...entry.details } });
}

/** Recorded mutations, newest first. */
export async function listAudit(registry: Registry, query: AuditQuery): Promise<AuditEntry[]> {
  const filters: SQL[] = [];
  if (query.actor) filters.push(eq(auditLog.actor, query.actor));
  if (query.since) filters.push(gte(auditLog.at, query.since));
  if (query.before !== undefined) filters.push(lt(auditLog.id, query.before));
  const rows = await registry.db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.id))
    .limit(query.limit);
  return rows.map((row) => ({ ...row, at: iso(row.at) }));
}
