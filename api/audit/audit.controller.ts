/** `GET /audit`: the append-only log of mutations (admin). */
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags, ApiDefaultResponse } from '@nestjs/swagger';
import { z } from 'zod';

import { listAudit, type AuditEntry } from '../../registry/audit';
import { RequiresRole } from '../auth/roles';
import { AUDIT_ENTRIES, ERROR_SCHEMA } from '../http/responses';
import { ZodPipe } from '../http/validation';
import { RegistryService } from '../registry/registry.service';

/** Query of `GET /audit`. */
export const auditQuerySchema = z.object({
  actor: z.string().min(1).optional().describe('Only mutations by this actor, e.g. `key:ops`.'),
  since: z.iso.datetime({ offset: true }).optional().describe('Only mutations at or after this ISO instant.'),
  before: z.coerce.number().int().positive().optional().describe('Only rows with a smaller id (paging).'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Most rows returned. Default 100.'),
});

@ApiTags('audit')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@RequiresRole('admin')
@Controller('audit')
export class AuditController {
  constructor(@Inject(RegistryService) private readonly registry: RegistryService) {}

  /** Mutations newest first: id, at, actor, role, action, target, requestId, statusCode, details. */
  @Get()
  @ApiQuery({ name: 'actor', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601 instant' })
  @ApiQuery({ name: 'before', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ description: 'Audit entries, newest first.', schema: AUDIT_ENTRIES })
  async list(@Query(new ZodPipe(auditQuerySchema)) query: z.output<typeof auditQuerySchema>): Promise<AuditEntry[]> {
    const { since, ...rest } = query;
    return listAudit(await this.registry.get(), { ...rest, since: since ? new Date(since) : undefined });
  }
}
