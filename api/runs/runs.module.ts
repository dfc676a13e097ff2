/** Pipeline runs; relies on the global registry, Temporal, metrics and settings modules. */
import { Module } from '@nestjs/common';

import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({ controllers: [RunsController], providers: [RunsService], exports: [RunsService] })
export class RunsModule {}
