/** Authentication and authorisation: the global API key guard, the bootstrap key, `/keys`. */
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyCache } from './key-cache';
import { KeysController } from './keys.controller';

/** Guards every route of the application (keys cached briefly); relies on the global `RegistryModule`. */
@Module({
  controllers: [KeysController],
  providers: [AdminBootstrapService, ApiKeyCache, { provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AuthModule {}
