/** The audit log's read route; rows are written by the hook installed in `configureApp`. */
import { Module } from '@nestjs/common';

import { AuditController } from './audit.controller';

@Module({ controllers: [AuditController] })
export class AuditModule {}
