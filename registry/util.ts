/**
 * Small helpers shared by the registry's modules: run ids, input checks, instants and the
 * PostgreSQL error codes the registry reacts to.
 */
import { RegistryError } from './errors';

/** SQLSTATE of a unique constraint violation. */
export const PG_UNIQUE_VIOLATION = '23505';
/** SQLSTATE of a foreign key violation. */
export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** The registry's run id: `${workflowId}/${temporalRunId}`. */
export function runIdOf(workflowId: string, temporalRunId: string): string {
  return `${workflowId}/${temporalRunId}`;
}

/**
 * Whether an error, or any error in its `cause` chain, carries the given SQLSTATE. drizzle wraps
 * driver errors (node-postgres and PGlite alike) in a query error whose cause holds the code.
 */
export function hasErrorCode(error: unknown, code: string): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth += 1) {
    if (typeof current !== 'object') return false;
    if ((current as { code?: unknown }).code === code) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** @throws RegistryError (reason 'invalid input') when `value` is not a non-empty string. */
export function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RegistryError(`${field} is required and must be a non-empty string`, { reason: 'invalid input', field });
  }
  return value;
}

/** Parses an ISO instant. @throws RegistryError (reason 'invalid input') when it is not one. */
export function parseInstant(field: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new RegistryError(`${field} must be an ISO 8601 instant, got '${value}'`, { reason: 'invalid input', field });
  }
  return date;
}

/** An instant as an ISO string; drivers return `Date` or a timestamp string depending on the column mode. */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
