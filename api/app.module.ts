/** Root module of the Distillery HTTP API. */
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { DatasetsModule } from './datasets/datasets.module';
import { HealthModule } from './health/health.module';
import { DistilleryErrorFilter } from './http/distillery-error.filter';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { RegistryModule } from './registry/registry.module';
import { RunsModule } from './runs/runs.module';
import { SchedulesModule } from './schedules/schedules.module';
import { SettingsModule } from './settings/settings.module';
import { TemporalModule } from './temporal/temporal.module';

/**
 * Global infrastructure (settings, registry, Temporal, metrics), authentication with the API key
 * guard, and the feature routes: datasets, runs, models, schedules, audit, health.
 */
@Module({
  imports: [
    SettingsModule,
    RegistryModule,
    TemporalModule,
    MetricsModule,
    AuthModule,
    HealthModule,
    AuditModule,
    DatasetsModule,
    RunsModule,
    ModelsModule,
    SchedulesModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: DistilleryErrorFilter }],
})
export class AppModule {}
