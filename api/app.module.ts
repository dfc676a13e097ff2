/** Root module of the Distillery HTTP API. */
import { Module } from '@nestjs/common';

import { HealthModule } from './health/health.module';
import { ModelsModule } from './models/models.module';
import { RegistryModule } from './registry/registry.module';
import { SettingsModule } from './settings/settings.module';

/** Settings and the registry connection (global), health probes, and the model routes. */
@Module({ imports: [SettingsModule, RegistryModule, HealthModule, ModelsModule] })
export class AppModule {}
