/** Authenticates every request by its API key and enforces the role its route requires. */
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import type { ApiRole } from '../../registry/schema';
import { ApiKeyCache } from './key-cache';
import { PUBLIC_ROUTE, REQUIRED_ROLE, roleAllows } from './roles';

/** Header carrying the key, as an alternative to `Authorization: Bearer <key>`. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * Global guard. Routes marked public pass; every other route requires the role declared with
 * `RequiresRole`, and a route that declares none requires `admin` (closed by default).
 * 401 without a key or with an unknown or revoked one; 403 when the key's role is too low. Keys are
 * looked up through the {@link ApiKeyCache} (see it for how soon a revocation elsewhere applies).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyCache) private readonly keys: ApiKeyCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const needed = this.reflector.getAllAndOverride<ApiRole>(REQUIRED_ROLE, targets) ?? 'admin';

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = presentedKey(request);
    if (!key) throw new UnauthorizedException(`an API key is required: send 'Authorization: Bearer <key>'`);
    const principal = await this.keys.authenticate(key);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    request.principal = principal;
    if (!roleAllows(principal.role, needed)) {
      throw new ForbiddenException(`key '${principal.name}' has role ${principal.role}; this requires ${needed}`);
    }
    return true;
  }
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key`, if any. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim() || undefined;
  const header = request.headers[API_KEY_HEADER];
  return typeof header === 'string' && header ? header : undefined;
}
