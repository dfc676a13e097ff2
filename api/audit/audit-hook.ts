/**
 * Writes the audit row of every mutation (POST, PUT, PATCH, DELETE but predict), refused ones included, before
 * the response leaves: who (key name and role), what (method and route), when, the request id,
 * the status code and the route parameters. Request bodies are not recorded (they may hold keys).
 */
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { appendAudit, type AuditEntryInput } from '../../registry/audit';
import type { Registry } from '../../registry/db';
import { actorName } from '../http/principal';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** POST routes that change nothing: predictions are counted in the metrics, not audited. */
const READ_ONLY_POSTS = new Set(['/models/:name/predict']);
/** Actor of a mutation refused before a key was accepted. */
export const ANONYMOUS_ACTOR = 'anonymous';

/** Adds the `onSend` hook to the fastify instance; `registry` opens the registry (shared, lazy). */
export function registerAuditHook(fastify: FastifyInstance, registry: () => Promise<Registry>): void {
  const logger = new Logger('Audit');
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (!isMutation(request)) return payload;
    const entry = auditEntry(request, reply);
    try {
      await appendAudit(await registry(), entry);
    } catch (error) {
      // The mutation happened; the failure to record it must be visible to operators.
      logger.error({ msg: 'audit row not written', ...entry, error: String(error) });
    }
    return payload;
  });
}

function isMutation(request: FastifyRequest): boolean {
  if (!MUTATING_METHODS.has(request.method)) return false;
  return !(request.method === 'POST' && READ_ONLY_POSTS.has(request.routeOptions.url ?? ''));
}

function auditEntry(request: FastifyRequest, reply: FastifyReply): AuditEntryInput {
  const principal = request.principal;
  return {
    actor: principal ? actorName(principal) : ANONYMOUS_ACTOR,
    role: principal?.role ?? null,
    action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
    target: request.url,
    requestId: request.id,
    statusCode: reply.statusCode,
    details: { params: request.params ?? {} },
  };
}
