/** The registry connection shared by every controller. */
import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { RegistryErrorFilter } from './registry-error.filter';
import { RegistryService } from './registry.service';

/** Provides {@link RegistryService} everywhere and maps registry errors to HTTP statuses application-wide. */
@Global()
@Module({
  providers: [RegistryService, { provide: APP_FILTER, useClass: RegistryErrorFilter }],
  exports: [RegistryService],
})
export class RegistryModule {}
