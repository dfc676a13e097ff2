/**
 * Roles of API keys and the decorators that declare what a route requires. `viewer` reads;
 * `operator` also starts and cancels runs, uploads data, predicts and manages schedules; `admin`
 * also manages keys, moves aliases, archives versions and reads the audit log.
 */
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { API_ROLES, type ApiRole } from '../../registry/schema';

/** Metadata key of the role a route requires. */
export const REQUIRED_ROLE = 'distillery:requiredRole';
/** Metadata key marking a route open to everyone (probes, metrics, docs). */
export const PUBLIC_ROUTE = 'distillery:public';
/** Name of the API key security scheme in the OpenAPI document. */
export const API_KEY_SCHEME = 'apiKey';

/** Whether a key of role `held` may call a route that requires `needed`. */
export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(held) >= API_ROLES.indexOf(needed);
}

/** The route requires an API key of at least this role (401 without a valid key, 403 below the role). */
export function RequiresRole(role: ApiRole): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiSecurity(API_KEY_SCHEME),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown or revoked one.' }),
    ApiForbiddenResponse({ description: `The key's role is below ${role}.` }),
  );
}

/** The route needs no key. */
export function PublicRoute(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_ROUTE, true);
}
