/** Health probes. */
import { Module } from '@nestjs/common';

import { HealthController } from './health.controller';

/** Serves `/healthz` and `/readyz`; relies on the global `RegistryModule`. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
