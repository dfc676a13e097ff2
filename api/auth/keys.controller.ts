/** `/keys`: creating, listing and revoking API keys (admin). */
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiDefaultResponse,
} from '@nestjs/swagger';
import { z } from 'zod';

import {
  createApiKey,
  listApiKeys,
  type ApiKeySummary,
  type ApiPrincipal,
  type CreatedApiKey,
} from '../../registry/keys';
import { API_ROLES } from '../../registry/schema';
import { actorName, Caller } from '../http/principal';
import { openApiSchema, parseRequest, positiveInt, ZodPipe } from '../http/validation';
import { RegistryService } from '../registry/registry.service';
import { API_KEYS, CREATED_KEY, ERROR_SCHEMA } from '../http/responses';
import { ApiKeyCache } from './key-cache';
import { RequiresRole } from './roles';

/** Body of `POST /keys`. */
export const createKeySchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/)
    .describe('Unique name; recorded as the actor of its mutations.'),
  role: z.enum(API_ROLES).describe('viewer: read; operator: runs, uploads, predict, schedules; admin: everything.'),
});

@ApiTags('keys')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@RequiresRole('admin')
@Controller('keys')
export class KeysController {
  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(ApiKeyCache) private readonly keys: ApiKeyCache,
  ) {}

  /** Creates a key; the key itself is in this response only and is stored hashed (SHA-256). */
  @Post()
  @ApiBody({ schema: openApiSchema(createKeySchema) })
  @ApiCreatedResponse({ description: 'The new key. Store `key` now.', schema: CREATED_KEY })
  async create(
    @Body(new ZodPipe(createKeySchema)) body: z.output<typeof createKeySchema>,
    @Caller() caller: ApiPrincipal,
  ): Promise<CreatedApiKey> {
    return createApiKey(await this.registry.get(), { ...body, createdBy: actorName(caller) });
  }

  /** Every key with its role, creator and revocation instant; never a key or its hash. */
  @Get()
  @ApiOkResponse({ description: 'Every key, without secrets.', schema: API_KEYS })
  async list(): Promise<ApiKeySummary[]> {
    return listApiKeys(await this.registry.get());
  }

  /**
   * Revokes a key; it stays listed with `revokedAt`. This process refuses it from now on; other API
   * processes within `DISTILLERY_KEY_CACHE_TTL_MS`.
   */
  @Delete(':keyId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked (or already revoked).' })
  async revoke(@Param('keyId') keyId: string): Promise<void> {
    await this.keys.revoke(parseRequest(positiveInt, keyId));
  }
}
