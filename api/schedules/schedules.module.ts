/** Retraining schedules; uses the run validation of `RunsModule`. */
import { Module } from '@nestjs/common';

import { RunsModule } from '../runs/runs.module';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

@Module({ imports: [RunsModule], controllers: [SchedulesController], providers: [SchedulesService] })
export class SchedulesModule {}
