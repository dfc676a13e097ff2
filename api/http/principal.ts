/** Who made a request, as established by the API key guard. */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { ApiPrincipal } from '../../registry/keys';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API key guard on every authenticated request. */
    principal?: ApiPrincipal;
  }
}

/** The authenticated caller: `@Caller() caller: ApiPrincipal`. Only on routes that require a role. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): ApiPrincipal => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!principal) throw new Error('no principal on the request: the route must require a role');
  return principal;
});

/** The name recorded as actor of a mutation: `key:<name>`. */
export function actorName(principal: ApiPrincipal): string {
  return `key:${principal.name}`;
}
